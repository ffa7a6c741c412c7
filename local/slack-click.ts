/**
 * A click on a message's button, sent as Slack sends it to an app's interactivity URL
 * (docs/slack-interactivity.md): POST, `application/x-www-form-urlencoded`, one field `payload`
 * holding the `block_actions` JSON, signed with the app's signing secret
 * (`X-Slack-Request-Timestamp`, `X-Slack-Signature: v0=HMAC-SHA256(secret, v0:<ts>:<body>)`).
 * The button is looked up in the stored message's blocks, so a click can only press a button
 * the page really has.
 */
import { createHmac } from 'node:crypto';
import type { SlackMessage, SlackServer } from './slack-server';

export interface ClickInput {
  slack: SlackServer;
  message: SlackMessage;
  actionId: string;
  user: { id: string; username: string };
  secret: string;
  /** Seconds since the epoch for the timestamp header (default: now). */
  at?: Date;
}

export interface SignedClick {
  headers: Record<string, string>;
  body: string;
}

export function buttonOf(
  message: Pick<SlackMessage, 'blocks'>,
  actionId: string,
): Record<string, unknown> | undefined {
  for (const block of message.blocks ?? []) {
    if (!isRecord(block) || block.type !== 'actions' || !Array.isArray(block.elements)) continue;
    for (const element of block.elements) {
      if (isRecord(element) && element.action_id === actionId)
        return { ...element, block_id: block.block_id };
    }
  }
  return undefined;
}

export function signedClick(input: ClickInput): SignedClick {
  const button = buttonOf(input.message, input.actionId);
  if (!button) throw new Error(`the message has no button "${input.actionId}"`);
  const at = input.at ?? new Date();
  const payload = {
    type: 'block_actions',
    user: { id: input.user.id, username: input.user.username, name: input.user.username, team_id: 'T0LOCAL' },
    api_app_id: 'A0LOCALAPP',
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: input.message.ts,
      channel_id: input.message.channel,
      is_ephemeral: false,
    },
    trigger_id: `${Math.floor(at.getTime() / 1000)}.local.trigger`,
    team: { id: 'T0LOCAL', domain: 'local' },
    channel: { id: input.message.channel, name: 'local' },
    message: {
      type: 'message',
      ts: input.message.ts,
      text: input.message.text,
      blocks: input.message.blocks,
    },
    response_url: input.slack.responseUrl(),
    actions: [
      {
        action_id: button.action_id,
        block_id: button.block_id,
        text: button.text,
        ...(button.value !== undefined ? { value: button.value } : {}),
        type: 'button',
        action_ts: `${(at.getTime() / 1000).toFixed(6)}`,
      },
    ],
  };
  return sign(`payload=${encodeURIComponent(JSON.stringify(payload))}`, input.secret, at);
}

export function sign(body: string, secret: string, at: Date): SignedClick {
  const ts = String(Math.floor(at.getTime() / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signature,
    },
    body,
  };
}

/** POSTs the click to the endpoint (the local function URL), as Slack does. */
export async function sendClick(
  endpoint: string,
  click: SignedClick,
): Promise<{ status: number; body: string }> {
  const res = await fetch(endpoint, { method: 'POST', headers: click.headers, body: click.body });
  return { status: res.status, body: await res.text() };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
