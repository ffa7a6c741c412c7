/**
 * Alert page → Slack Block Kit `{ text, blocks }` (firing, updated, no data, resolved).
 *
 * Layout: header · what fired and why · who is affected since when (+ caveats) · top users
 * (as many sections as the limits allow, then "+N more") · root cause · example traces ·
 * links · context (filter expression, rule, event). Every untrusted string goes through
 * escape.ts; sizes are budgeted up front against limits.ts so the result always fits, and
 * the users list, the only unbounded part, gets whatever budget the rest leaves.
 */
import { cleanBlock, escapeMrkdwn, slackCode, slackCodeText, slackLine, slackLink } from './escape';
import { formatSeconds, plural } from './format';
import {
  SLACK_CONTEXT_TEXT_MAX,
  SLACK_FALLBACK_TEXT_MAX,
  SLACK_HEADER_TEXT_MAX,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_TEXT_MAX,
  SLACK_TOTAL_TEXT_MAX,
  truncate,
} from './limits';
import { pageFacts, type PageFacts } from './page-facts';
import type { PageInput, PageState, PageUser } from './page-input';
import { actionsTextLength, rootActionBlocks, type SlackActionsBlock } from './slack-actions';
import { traceConsoleUrl } from './urls';

export interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface SlackHeaderBlock {
  type: 'header';
  text: SlackText & { type: 'plain_text' };
}
export interface SlackSectionBlock {
  type: 'section';
  text: SlackText;
}
export interface SlackContextBlock {
  type: 'context';
  elements: SlackText[];
}
export interface SlackDividerBlock {
  type: 'divider';
}
export type SlackBlock =
  | SlackHeaderBlock
  | SlackSectionBlock
  | SlackContextBlock
  | SlackDividerBlock
  // Root actions (templates/slack-actions.ts): the responders' buttons.
  | SlackActionsBlock;

export interface SlackMessage {
  /** Notification and fallback text (mrkdwn, escaped). */
  text: string;
  blocks: SlackBlock[];
}

/** Budgets for the bounded parts; users get what is left of SLACK_TOTAL_TEXT_MAX. */
const REASON_MAX = 1_500;
const NOTE_MAX = 400;
const USERNAME_MAX = 80;
const FILTER_MAX = 1_000;

const ICON: Record<PageState, string> = {
  firing: ':red_circle:',
  updated: ':large_orange_circle:',
  insufficient_data: ':white_circle:',
  resolved: ':white_check_mark:',
};

export function renderSlackAlert(input: PageInput): SlackMessage {
  const facts = pageFacts(input);
  const head: SlackBlock[] = [
    header(input, facts),
    section(whatAndWhy(input, facts)),
    section(impact(facts)),
  ];
  const tail: SlackBlock[] = [];
  if (facts.rootCauses.length > 0) {
    tail.push(section(`*Root cause:* ${facts.rootCauses.map((c) => slackLine(c)).join(' · ')}`));
  }
  const traces = exampleTraces(input);
  if (traces !== undefined) tail.push(section(traces));
  tail.push(section(links(input)));
  tail.push(context(input));
  // Root actions (templates/slack-actions.ts): status line and buttons, on the thread root only.
  tail.push(...rootActionBlocks(input.actions));

  const used = textLength(head) + textLength(tail);
  const userBlocks = usersBlocks(
    input,
    facts,
    SLACK_TOTAL_TEXT_MAX - used,
    SLACK_MAX_BLOCKS - head.length - tail.length,
  );
  return { text: fallbackText(input, facts), blocks: [...head, ...userBlocks, ...tail] };
}

function header(input: PageInput, facts: PageFacts): SlackHeaderBlock {
  const parts = [facts.isTest ? 'TEST' : undefined, facts.stateLabel, facts.severityLabel, input.rule.title];
  const text = `${facts.isTest ? '🧪' : stateEmoji(input.alert.state)} ${parts.filter(Boolean).join(' · ')}`;
  // plain_text: Slack does not parse mentions or links in it, so no escaping, only length.
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(text, SLACK_HEADER_TEXT_MAX), emoji: true },
  };
}

function stateEmoji(state: PageState): string {
  return { firing: '🔴', updated: '🟠', insufficient_data: '⚪', resolved: '✅' }[state];
}

function whatAndWhy(input: PageInput, facts: PageFacts): string {
  const { alert } = input;
  const lines: string[] = [];
  if (facts.isTest)
    lines.push('*TEST ALERT:* nothing is wrong; this checks that the rule reaches its channels.');
  const title = slackLine(truncate(alert.title, 300));
  lines.push(`${ICON[alert.state]} ${facts.isTest ? title : `*${facts.source}:* ${title}`}`);
  lines.push(`*Why:* ${truncate(cleanBlock(alert.reason), REASON_MAX, escapeMrkdwn)}`);
  if (facts.insightImpact) lines.push(`*Impact:* ${slackLine(facts.insightImpact)}`);
  if (facts.severityReason) lines.push(`*Severity:* ${slackLine(facts.severityReason)}`);
  return lines.join('\n');
}

function impact(facts: PageFacts): string {
  const lines = [
    `*Affected:* ${truncate(facts.affected, NOTE_MAX, escapeMrkdwn)}`,
    `*${slackLine(facts.when)}*`,
  ];
  for (const note of facts.notes) lines.push(`:warning: ${truncate(note, NOTE_MAX, escapeMrkdwn)}`);
  return lines.join('\n');
}

function userLine(user: PageUser, region: string): string {
  const name = truncate(user.username, USERNAME_MAX, (g) => slackLine(g));
  const counts = `${plural(user.faults, 'fault')} / ${plural(user.requests, 'request')} · slowest ${formatSeconds(user.slowestSeconds)}`;
  const url = user.exampleTraceId ? traceConsoleUrl(region, user.exampleTraceId) : undefined;
  return `• ${name} — ${counts}${url ? ` · ${slackLink(url, 'trace')}` : ''}`;
}

/**
 * The users list in as many sections as fit `budget` characters and `maxBlocks` blocks, with
 * an explicit "+N more" line for every registered user not named. Room for that line is
 * reserved all along, so stopping anywhere leaves space for it.
 */
function usersBlocks(input: PageInput, facts: PageFacts, budget: number, maxBlocks: number): SlackBlock[] {
  const { enrichment } = input;
  if (enrichment.status === 'failed' || enrichment.distinctUsers + enrichment.users.length === 0) return [];
  const more = facts.moreLabel;
  const reserve = more(Math.max(enrichment.distinctUsers, enrichment.users.length)).length + 1;
  const title = `*${facts.usersTitle}* (by faults, then requests):`;
  if (maxBlocks <= 0 || title.length + reserve > budget) return [];

  const sections: string[][] = [[title]];
  let sectionLength = title.length;
  let total = title.length;
  let shown = 0;
  for (const user of enrichment.users) {
    const line = userLine(user, input.alert.region);
    if (total + line.length + 1 + reserve > budget) break;
    if (sectionLength + line.length + 1 + reserve > SLACK_SECTION_TEXT_MAX) {
      if (sections.length >= maxBlocks) break;
      sections.push([line]);
      sectionLength = line.length;
    } else {
      sections[sections.length - 1]!.push(line);
      sectionLength += line.length + 1;
    }
    total += line.length + 1;
    shown++;
  }
  const omitted = facts.moreUsers(shown);
  if (omitted > 0) sections[sections.length - 1]!.push(more(omitted));
  return sections.map((lines) => section(lines.join('\n')));
}

function exampleTraces(input: PageInput): string | undefined {
  const links = input.enrichment.exampleTraceIds
    .map((id) => ({ id, url: traceConsoleUrl(input.alert.region, id) }))
    .filter((t): t is { id: string; url: string } => t.url !== undefined)
    .map((t) => slackLink(t.url, t.id));
  return links.length > 0 ? `*Example traces:* ${links.join(' · ')}` : undefined;
}

function links(input: PageInput): string {
  const { alert, rule } = input;
  const parts = [slackLink(rule.runbookUrl, 'Runbook')];
  if (alert.links.alarm) parts.push(slackLink(alert.links.alarm, 'Alarm in CloudWatch'));
  if (alert.links.insight) parts.push(slackLink(alert.links.insight, 'Insight in X-Ray'));
  if (alert.links.traces) parts.push(slackLink(alert.links.traces, 'Query traces'));
  return parts.join(' · ');
}

function context(input: PageInput): SlackContextBlock {
  const { alert, rule, enrichment } = input;
  const expression = truncate(enrichment.query.filterExpression, FILTER_MAX, (g) => slackCodeText(g));
  const filter = `Filter: \`${expression}\``;
  const ids = `Rule ${slackCode(rule.id)} · owner ${slackLine(rule.owner)} · event ${slackLine(alert.eventId)} · ${slackLine(alert.region)}/${slackLine(alert.account)}`;
  return {
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: truncate(filter, SLACK_CONTEXT_TEXT_MAX) },
      { type: 'mrkdwn', text: truncate(ids, SLACK_CONTEXT_TEXT_MAX) },
    ],
  };
}

function fallbackText(input: PageInput, facts: PageFacts): string {
  const text = `${facts.isTest ? '[TEST] ' : ''}[${facts.severityLabel}] ${facts.stateLabel}: ${input.rule.title} — ${facts.affected}`;
  return truncate(text, SLACK_FALLBACK_TEXT_MAX, escapeMrkdwn);
}

function section(text: string): SlackSectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_SECTION_TEXT_MAX) } };
}

/** Characters of text a block contributes (what `msg_blocks_too_long` counts, as far as known). */
export function blockTextLength(block: SlackBlock): number {
  switch (block.type) {
    case 'header':
    case 'section':
      return block.text.text.length;
    case 'context':
      return block.elements.reduce((n, e) => n + e.text.length, 0);
    case 'divider':
      return 0;
    // Root actions (templates/slack-actions.ts).
    case 'actions':
      return actionsTextLength(block);
  }
}

function textLength(blocks: readonly SlackBlock[]): number {
  return blocks.reduce((n, b) => n + blockTextLength(b), 0);
}

/** Every Slack limit the message breaks (empty when it fits); the tests hold every rendered message to it. */
export function slackLimitViolations(message: SlackMessage): string[] {
  const problems: string[] = [];
  if (message.blocks.length > SLACK_MAX_BLOCKS)
    problems.push(`${message.blocks.length} blocks > ${SLACK_MAX_BLOCKS}`);
  if (message.text.length > SLACK_FALLBACK_TEXT_MAX) problems.push(`text ${message.text.length} chars`);
  message.blocks.forEach((block, i) => {
    if (block.type === 'section' && block.text.text.length > SLACK_SECTION_TEXT_MAX) {
      problems.push(`block ${i}: section text ${block.text.text.length} > ${SLACK_SECTION_TEXT_MAX}`);
    }
    if (block.type === 'header' && block.text.text.length > SLACK_HEADER_TEXT_MAX) {
      problems.push(`block ${i}: header text ${block.text.text.length} > ${SLACK_HEADER_TEXT_MAX}`);
    }
    if (block.type === 'context') {
      for (const e of block.elements) {
        if (e.text.length > SLACK_CONTEXT_TEXT_MAX)
          problems.push(`block ${i}: context element ${e.text.length} chars`);
      }
    }
  });
  const total = textLength(message.blocks);
  if (total > SLACK_TOTAL_TEXT_MAX) problems.push(`total block text ${total} > ${SLACK_TOTAL_TEXT_MAX}`);
  return problems;
}
