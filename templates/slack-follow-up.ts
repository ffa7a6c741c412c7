/**
 * The thread follow-up that finishes a partial page: users found in the trace pages read
 * after the page went out. Pure; escaping and limits come from the page templates' helpers,
 * so a username like `<!channel>` stays inert here too.
 *
 * Users already named on the page are not repeated (their counts on the page are a lower
 * bound, as the page says). The list stops at the Slack limits with an explicit "+N more".
 */
import { slackLine } from './escape';
import { formatCount, plural } from './format';
import {
  SLACK_FALLBACK_TEXT_MAX,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_TEXT_MAX,
  SLACK_TOTAL_TEXT_MAX,
  truncate,
} from './limits';
import type { PageEnrichment } from './page-input';
import type { SlackBlock, SlackMessage } from './slack-alert';

const USERNAME_MAX = 80;
/** Room kept for the header section and the "+N more" line. */
const RESERVE = 600;

export function renderFollowUp(
  more: PageEnrichment,
  alreadyShown: ReadonlySet<string>,
  test: boolean,
): SlackMessage {
  const users = more.users.filter((u) => !alreadyShown.has(u.username));
  const status =
    more.status === 'complete'
      ? 'every remaining trace was read'
      : `still partial: ${more.reason ?? 'stopped early'}`;
  const head =
    `${test ? '*[TEST]* ' : ''}*More affected users* (read after the page went out: ` +
    `${plural(more.totalTraces, 'more trace')}, ${plural(more.faults, 'fault')}; ${slackLine(status)})\n` +
    `${formatCount(more.distinctUsers)} registered ${more.distinctUsers === 1 ? 'user' : 'users'} and ` +
    `${plural(more.anonymousRequests, 'anonymous request')} in these traces; users already listed above are not repeated.`;

  const blocks: SlackBlock[] = [section(head)];
  let lines: string[] = [];
  let sectionLength = 0;
  let total = head.length;
  let shown = 0;
  for (const user of users) {
    const line = `• ${truncate(user.username, USERNAME_MAX, (g) => slackLine(g))} — ${plural(user.faults, 'fault')} / ${plural(user.requests, 'request')}`;
    if (total + line.length + RESERVE > SLACK_TOTAL_TEXT_MAX) break;
    if (sectionLength + line.length + 1 > SLACK_SECTION_TEXT_MAX - 100) {
      if (blocks.length + 2 > SLACK_MAX_BLOCKS) break;
      blocks.push(section(lines.join('\n')));
      lines = [];
      sectionLength = 0;
    }
    lines.push(line);
    sectionLength += line.length + 1;
    total += line.length + 1;
    shown++;
  }
  const omitted = Math.max(0, more.distinctUsers - alreadyShownAmong(more, alreadyShown) - shown);
  if (omitted > 0) lines.push(`+${plural(omitted, 'more user')}`);
  if (lines.length > 0) blocks.push(section(lines.join('\n')));

  const text = `${test ? '[TEST] ' : ''}More affected users: ${plural(more.distinctUsers, 'user')} in ${plural(more.totalTraces, 'more trace')}`;
  return { text: truncate(text, SLACK_FALLBACK_TEXT_MAX), blocks };
}

function alreadyShownAmong(more: PageEnrichment, alreadyShown: ReadonlySet<string>): number {
  return more.users.filter((u) => alreadyShown.has(u.username)).length;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_SECTION_TEXT_MAX) } };
}
