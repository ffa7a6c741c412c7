/**
 * What the thread and the clicker are told when a responder acts from the page: one short
 * reply per action in the incident's thread, and the ephemeral "All affected users" list,
 * paged. Pure: the interactivity function (functions/interactivity/perform.ts) posts them.
 *
 * | action        | thread reply                                                        |
 * |---------------|---------------------------------------------------------------------|
 * | Acknowledge   | ✅ Acknowledged by @x — escalation stopped (when the rule escalates)  |
 * | Silence 1/4 h | 🔕 Silenced for 1 h by @x, until 11:09 UTC: new firings of the rule   |
 * |               | are recorded but not paged                                          |
 * | Resolve       | 🔒 Resolved manually by @x (+ which source was still firing)         |
 */
import { slackLine } from './escape';
import type { SlackContextBlock, SlackSectionBlock } from './slack-alert';
import { actionValue, shortUtc, userMention, type SlackActionsBlock } from './slack-actions';

export interface NoteMessage {
  text: string;
  blocks: Array<SlackSectionBlock | SlackContextBlock | SlackActionsBlock>;
}

const section = (text: string): SlackSectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const note = (text: string): NoteMessage => ({ text, blocks: [section(text)] });

export function acknowledgedNote(by: string, escalates: boolean): NoteMessage {
  return note(
    `:white_check_mark: *Acknowledged* by ${userMention(by)}${escalates ? ' — escalation stopped' : ''}`,
  );
}

export function silencedNote(by: string, minutes: number, until: Date): NoteMessage {
  const length = minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
  return note(
    `:no_bell: *Silenced for ${length}* by ${userMention(by)}, until ${shortUtc(until)}: ` +
      'new firings of this rule are recorded but not paged',
  );
}

const STILL: Readonly<Record<'alarm' | 'insight' | 'test', string>> = {
  alarm: 'the alarm is still in ALARM',
  insight: 'the X-Ray Insight is still active',
  test: 'the test alert is still firing',
};

export function resolvedNote(
  by: string,
  stillFiring: readonly ('alarm' | 'insight' | 'test')[],
): NoteMessage {
  const still = stillFiring.map((s) => STILL[s]);
  return note(
    `:lock: *Resolved manually* by ${userMention(by)}` +
      (still.length > 0 ? ` — ${still.join(' and ')}; a new firing pages again as a new incident` : ''),
  );
}

/** The list's own buttons (action ids are unique per message, so not the root's `uia.users`). */
export const USERS_PAGE_ACTION = { previous: 'uia.users.previous', next: 'uia.users.next' } as const;

/** Users per ephemeral page: 50 names stay well under a section's 3,000 characters. */
export const USERS_PER_PAGE = 50;

export function affectedUsersMessage(
  incidentId: string,
  users: readonly string[],
  page: number,
  truncated: boolean,
): NoteMessage {
  const pages = Math.max(1, Math.ceil(users.length / USERS_PER_PAGE));
  const current = Math.min(page, pages - 1);
  const slice = users.slice(current * USERS_PER_PAGE, (current + 1) * USERS_PER_PAGE);
  const head =
    users.length === 0
      ? 'No affected users are recorded for this incident.'
      : `*Affected users* — ${users.length}${truncated ? '+ (the record keeps the first ones only)' : ''}, ` +
        `page ${current + 1} of ${pages}`;
  const blocks: NoteMessage['blocks'] = [section(head)];
  if (slice.length > 0) blocks.push(section(slice.map((u) => `• ${slackLine(u)}`).join('\n')));
  const nav: SlackActionsBlock['elements'] = [];
  if (current > 0) nav.push(pageButton(USERS_PAGE_ACTION.previous, incidentId, current - 1, 'Previous'));
  if (current + 1 < pages) nav.push(pageButton(USERS_PAGE_ACTION.next, incidentId, current + 1, 'Next'));
  if (nav.length > 0) blocks.push({ type: 'actions', block_id: `uia-users-${current}`, elements: nav });
  return { text: head, blocks };
}

function pageButton(
  actionId: string,
  incidentId: string,
  page: number,
  label: string,
): SlackActionsBlock['elements'][number] {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: label, emoji: true },
    value: actionValue({ incident: incidentId, page }),
  };
}
