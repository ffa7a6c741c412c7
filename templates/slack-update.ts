/**
 * A thread reply: what changed, in at most MAX_UPDATE_LINES lines. The root carries the full
 * current state (it is rewritten in place); a reply only tells the engineer watching the thread
 * what to notice, the way PagerDuty and incident.io post timeline entries rather than the alert
 * again:
 *
 * | line           | when                                                                  |
 * |----------------|-----------------------------------------------------------------------|
 * | the change     | always: "X-Ray Insight joined", "Alarm back to OK, the Insight is still |
 * |                | open", "NO DATA", "Fired again", "RESOLVED after 8 min"                |
 * | new users      | users not named in the thread before (at most 5 names, then "+N")     |
 * | root cause     | the event names a root cause the root did not                          |
 * | partial        | the users are still being read                                         |
 *
 * A resolve is the change line alone: the root says the rest. Pure; untrusted text escaped.
 */
import { slackLine } from './escape';
import { formatDuration, formatUtc, plural } from './format';
import { SLACK_FALLBACK_TEXT_MAX, SLACK_SECTION_TEXT_MAX, truncate, truncateMrkdwn } from './limits';
import type { PageAlert, PageEnrichment } from './page-input';
import type { SlackMessage } from './slack-alert';

export const MAX_UPDATE_LINES = 5;
const NAMES_SHOWN = 5;
const USERNAME_MAX = 60;

export type UpdateChange =
  'attached' | 'reopened' | 'resolved' | 'still-open' | 'noted' | 'opened' | 'opened-resolved';

export interface UpdateInput {
  alert: PageAlert;
  change: UpdateChange;
  /** The incident's span (for "after 8 min"). */
  incident: { firstFiredAt: string; resolvedAt?: string | undefined; activeSources: readonly string[] };
  enrichment: PageEnrichment | undefined;
  /** Usernames the thread has named so far (the root's list). */
  named: ReadonlySet<string>;
  /** Root cause the root names already ("service (type)"), if any. */
  rootCause: string | undefined;
  test: boolean;
}

const SOURCE: Record<PageAlert['kind'], string> = {
  alarm: 'CloudWatch alarm',
  insight: 'X-Ray Insight',
  test: 'Test alert',
};

export function renderUpdate(input: UpdateInput): SlackMessage {
  const lines = [changeLine(input)];
  if (input.change !== 'resolved' && input.change !== 'opened-resolved') {
    const users = usersLine(input);
    if (users) lines.push(users);
    const cause = rootCauseLine(input);
    if (cause) lines.push(cause);
    if (input.enrichment?.status === 'partial' && lines.length > 1) {
      lines.push('_Still reading traces: the root message above is updated as users are found._');
    }
  }
  const text = truncateMrkdwn(lines.slice(0, MAX_UPDATE_LINES).join('\n'), SLACK_SECTION_TEXT_MAX);
  return {
    text: truncate(`${input.test ? '[TEST] ' : ''}${plainChange(input)}`, SLACK_FALLBACK_TEXT_MAX, slackLine),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

function changeLine(input: UpdateInput): string {
  const test = input.test ? '*[TEST]* ' : '';
  const source = SOURCE[input.alert.kind];
  const title = slackLine(truncate(input.alert.title, 200));
  switch (input.change) {
    case 'resolved':
    case 'opened-resolved':
      return `${test}:white_check_mark: *RESOLVED* ${resolvedWhen(input)} (${source} cleared)`;
    case 'still-open': {
      const others = input.incident.activeSources
        .filter((s) => s !== input.alert.kind)
        .map((s) => SOURCE[s as PageAlert['kind']] ?? s);
      return `${test}:large_yellow_circle: ${source} cleared; still open while ${others.join(' and ') || 'another source'} fires`;
    }
    case 'noted':
      return `${test}:white_circle: *NO DATA* from the ${source}: ${slackLine(truncate(input.alert.reason, 200))}`;
    case 'reopened':
      return `${test}:red_circle: *Fired again* within the reopen window: ${source} — ${title}`;
    case 'attached':
      return input.alert.state === 'updated'
        ? `${test}:large_orange_circle: ${source} update: ${slackLine(truncate(input.alert.reason, 300))}`
        : `${test}:large_orange_circle: ${source} joined: ${title}`;
    case 'opened':
      return `${test}:red_circle: ${source}: ${title}`;
  }
}

function plainChange(input: UpdateInput): string {
  const source = SOURCE[input.alert.kind];
  if (input.change === 'resolved' || input.change === 'opened-resolved')
    return `RESOLVED ${resolvedWhen(input)}`;
  if (input.change === 'noted') return `NO DATA from the ${source}`;
  if (input.change === 'still-open') return `${source} cleared; incident still open`;
  return `${source}: ${input.alert.title}`;
}

function resolvedWhen(input: UpdateInput): string {
  const end =
    input.incident.resolvedAt ?? input.alert.window.end?.toISOString() ?? input.alert.changedAt.toISOString();
  const lasted = Date.parse(end) - Date.parse(input.incident.firstFiredAt);
  return `at ${formatUtc(new Date(end))} after ${formatDuration(Math.max(0, lasted))}`;
}

function usersLine(input: UpdateInput): string | undefined {
  const e = input.enrichment;
  if (!e || e.status === 'failed') return undefined;
  const fresh = e.users.filter((u) => !input.named.has(u.username));
  if (fresh.length === 0) return undefined;
  const shown = fresh
    .slice(0, NAMES_SHOWN)
    .map((u) => truncate(u.username, USERNAME_MAX, (g) => slackLine(g)))
    .join(', ');
  const more = fresh.length > NAMES_SHOWN ? ` +${fresh.length - NAMES_SHOWN} more` : '';
  return `*${plural(fresh.length, 'new user')}* since the last message: ${shown}${more} (${plural(e.distinctUsers, 'registered user')} in this event's traces)`;
}

function rootCauseLine(input: UpdateInput): string | undefined {
  const service = input.alert.rootCauseService;
  if (!service) return undefined;
  const label = service.type ? `${service.name} (${service.type})` : service.name;
  if (input.rootCause === label) return undefined;
  return `*Root cause (named by the Insight):* ${slackLine(label)}`;
}

/** The one line an inhibited or linked incident gets in the thread it is folded into. */
export function renderRelatedLine(input: {
  kind: 'inhibited' | 'linked';
  rule: { id: string; title: string; severity: string };
  source: PageAlert['kind'];
  title: string;
  test: boolean;
}): SlackMessage {
  const why =
    input.kind === 'inhibited'
      ? 'inhibited by this incident (its rule lists it in `inhibits`)'
      : 'linked here: same users and root cause';
  const text = `${input.test ? '*[TEST]* ' : ''}:link: Also firing: *${slackLine(input.rule.title)}* (${input.rule.severity}, ${SOURCE[input.source]}: ${slackLine(truncate(input.title, 200))}): ${why}; no separate page.`;
  return {
    text: truncate(`Also firing: ${input.rule.title} (${why})`, SLACK_FALLBACK_TEXT_MAX, slackLine),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(text, SLACK_SECTION_TEXT_MAX) } },
    ],
  };
}
