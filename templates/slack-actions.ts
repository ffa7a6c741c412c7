/**
 * What the thread root adds for responders: a status line (who acknowledged, who resolved it by
 * hand and what was still firing, who was escalated to) and the buttons. Rendered from the
 * incident record on every root write, so every later rewrite keeps saying "Acknowledged by @…".
 *
 * | incident                | status line                                   | buttons                          |
 * |-------------------------|-----------------------------------------------|----------------------------------|
 * | open, nobody acked      | escalations so far, if any                    | Acknowledge · Silence 1 h · 4 h ·|
 * |                         |                                               | Resolve · All affected users ·   |
 * |                         |                                               | Traces in X-Ray (link)           |
 * | open, acknowledged      | Acknowledged by @x at … (+ escalations)       | the same without Acknowledge     |
 * | resolved                | Resolved manually by @x at …, and what was    | All affected users · Traces      |
 * |                         | still firing; or Acknowledged by @x           |                                  |
 *
 * Every button's `value` is the incident id (JSON, far under Slack's 2,000 characters): the
 * interactivity endpoint acts on the incident named there, never on the message it came from.
 * Mentions are built from ids that match Slack's id patterns only; anything else is escaped text.
 */
import { slackLine } from './escape';
import type { SlackContextBlock, SlackText } from './slack-alert';
import { safeHttpUrl } from './urls';

/** `action_id`s of the root's buttons; the interactivity endpoint dispatches on them. */
export const ROOT_ACTION = {
  acknowledge: 'uia.acknowledge',
  silence1h: 'uia.silence.1h',
  silence4h: 'uia.silence.4h',
  resolve: 'uia.resolve',
  users: 'uia.users',
  traces: 'uia.traces',
} as const;
export type RootActionId = (typeof ROOT_ACTION)[keyof typeof ROOT_ACTION];

/** Silence lengths the buttons offer, in minutes. */
export const SILENCE_MINUTES: Readonly<Record<'uia.silence.1h' | 'uia.silence.4h', number>> = {
  'uia.silence.1h': 60,
  'uia.silence.4h': 240,
};

export interface SlackButton {
  type: 'button';
  action_id: RootActionId | string;
  text: SlackText & { type: 'plain_text' };
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  confirm?: {
    title: SlackText & { type: 'plain_text' };
    text: SlackText;
    confirm: SlackText & { type: 'plain_text' };
    deny: SlackText & { type: 'plain_text' };
  };
}

export interface SlackActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: SlackButton[];
}

/** What the root shows about responders; dates already parsed. */
export interface RootActionsInput {
  incidentId: string;
  state: 'open' | 'resolved';
  /** Orders the button block's id with the record's versions (Slack: a new block_id per edit). */
  versions: { span: number; actions: number };
  acknowledgement?: { by: string; at: Date } | undefined;
  manualResolve?:
    { by: string; at: Date; stillFiring: readonly ('alarm' | 'insight' | 'test')[] } | undefined;
  escalations?: { steps: number; lastAt: Date; userGroup: string | undefined } | undefined;
  /** The alert's "query traces" console link, when it has one. */
  tracesUrl?: string | undefined;
}

/** The button value: the incident, and for the users list the page to show. */
export interface ActionValue {
  incident: string;
  page?: number;
}

export function actionValue(value: ActionValue): string {
  return JSON.stringify(value);
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{6,}$/;

/** `<@U123>` for a valid user id, else the escaped text (never a forged mention). */
export function userMention(id: string): string {
  return USER_ID.test(id) ? `<@${id}>` : slackLine(id);
}

/** `<!subteam^S123>` for a valid user-group id, else the escaped text. */
export function userGroupMention(id: string): string {
  return GROUP_ID.test(id) ? `<!subteam^${id}>` : slackLine(id);
}

/** `21:09 UTC`, the day added when it is not the day of `reference`. */
export function shortUtc(at: Date, reference?: Date): string {
  const time = `${at.toISOString().slice(11, 16)} UTC`;
  return reference && reference.toISOString().slice(0, 10) !== at.toISOString().slice(0, 10)
    ? `${at.toISOString().slice(0, 10)} ${time}`
    : time;
}

const STILL: Readonly<Record<'alarm' | 'insight' | 'test', string>> = {
  alarm: 'the alarm was still in ALARM',
  insight: 'the X-Ray Insight was still active',
  test: 'the test alert was still firing',
};

/** The responder status lines, or none. */
export function responderLines(input: RootActionsInput): string[] {
  const lines: string[] = [];
  const { acknowledgement: ack, manualResolve: resolved, escalations } = input;
  if (resolved) {
    const still = resolved.stillFiring.map((s) => STILL[s]);
    lines.push(
      `:lock: *Resolved manually* by ${userMention(resolved.by)} at ${shortUtc(resolved.at)}` +
        (still.length > 0 ? ` — ${still.join(' and ')}: a new firing pages again` : ''),
    );
  }
  if (ack && !(resolved && resolved.by === ack.by)) {
    lines.push(`:white_check_mark: *Acknowledged* by ${userMention(ack.by)} at ${shortUtc(ack.at)}`);
  }
  if (escalations && escalations.steps > 0) {
    const who = escalations.userGroup ? ` to ${userGroupMention(escalations.userGroup)}` : '';
    const times = escalations.steps === 1 ? '' : ` (${escalations.steps} times)`;
    lines.push(`:mega: Escalated${who} at ${shortUtc(escalations.lastAt)}${times}: nobody had acknowledged`);
  }
  return lines;
}

function button(
  actionId: RootActionId,
  label: string,
  extra: Partial<Omit<SlackButton, 'type' | 'action_id' | 'text'>> = {},
): SlackButton {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: label, emoji: true },
    ...extra,
  };
}

const plain = (text: string) => ({ type: 'plain_text' as const, text });

/** The status line (a context block) and the buttons (an actions block), in that order. */
export function rootActionBlocks(
  input: RootActionsInput | undefined,
): Array<SlackContextBlock | SlackActionsBlock> {
  if (!input) return [];
  const blocks: Array<SlackContextBlock | SlackActionsBlock> = [];
  const lines = responderLines(input);
  if (lines.length > 0) {
    blocks.push({ type: 'context', elements: lines.map((text) => ({ type: 'mrkdwn', text })) });
  }
  const value = actionValue({ incident: input.incidentId });
  const elements: SlackButton[] = [];
  if (input.state === 'open') {
    if (!input.acknowledgement)
      elements.push(button(ROOT_ACTION.acknowledge, 'Acknowledge', { value, style: 'primary' }));
    elements.push(button(ROOT_ACTION.silence1h, 'Silence 1 h', { value }));
    elements.push(button(ROOT_ACTION.silence4h, 'Silence 4 h', { value }));
    elements.push(
      button(ROOT_ACTION.resolve, 'Resolve', {
        value,
        style: 'danger',
        confirm: {
          title: plain('Resolve this incident?'),
          text: {
            type: 'mrkdwn',
            text: 'It stays resolved even if its alarm is still firing; a new firing pages again as a new incident.',
          },
          confirm: plain('Resolve'),
          deny: plain('Cancel'),
        },
      }),
    );
  }
  elements.push(
    button(ROOT_ACTION.users, 'All affected users', {
      value: actionValue({ incident: input.incidentId, page: 0 }),
    }),
  );
  const traces = safeHttpUrl(input.tracesUrl);
  // Slack's limit for a button URL is 3,000 characters; a longer one is left out, not cut.
  if (traces && traces.length <= 3_000)
    elements.push(button(ROOT_ACTION.traces, 'Traces in X-Ray', { url: traces }));
  blocks.push({
    type: 'actions',
    block_id: `uia-actions-${input.versions.span}-${input.versions.actions}`,
    elements,
  });
  return blocks;
}

/** Characters of text an actions block contributes (labels; confirm dialogs included). */
export function actionsTextLength(block: SlackActionsBlock): number {
  return block.elements.reduce(
    (n, e) =>
      n +
      e.text.text.length +
      (e.confirm
        ? e.confirm.title.text.length +
          e.confirm.text.text.length +
          e.confirm.confirm.text.length +
          e.confirm.deny.text.length
        : 0),
    0,
  );
}
