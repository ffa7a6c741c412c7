/**
 * The two Slack calls only the interactivity function makes: who is in a user group
 * (`usergroups.users.list`, scope `usergroups:read`, cached for GROUP_CACHE_MS so a burst of
 * clicks asks once), and the ephemeral answer to a click, posted to its `response_url`
 * (no token needed; Slack allows 5 posts within 30 minutes per URL).
 *
 * A `response_url` is only ever followed under `responseUrlBase` (Slack's
 * `https://hooks.slack.com/` by default): a payload is signed, but a wrong base still should not
 * make this function POST to an arbitrary host.
 */
import { WebClient } from '@slack/web-api';
import type { NoteMessage } from '../../templates/slack-action-notes';
import type { Clock } from '../notifier/ports';
import type { SlackTokenSource } from '../notifier/slack-token';

export const GROUP_CACHE_MS = 60_000;
export const SLACK_RESPONSE_URL_BASE = 'https://hooks.slack.com/';

export function createGroupMembers(options: {
  token: SlackTokenSource;
  slackApiUrl?: string | undefined;
  now: Clock;
}): (groupId: string) => Promise<readonly string[]> {
  const cache = new Map<string, { at: number; users: readonly string[] }>();
  return async (groupId) => {
    const hit = cache.get(groupId);
    const t = options.now().getTime();
    if (hit && t - hit.at < GROUP_CACHE_MS) return hit.users;
    const client = new WebClient(await options.token(), {
      ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
      retryConfig: { retries: 1 },
      timeout: 1_500,
    });
    const res = await client.usergroups.users.list({ usergroup: groupId });
    const users = res.users ?? [];
    cache.set(groupId, { at: t, users });
    return users;
  };
}

export function createResponder(options: {
  responseUrlBase?: string | undefined;
  fetch?: typeof fetch;
}): (responseUrl: string, message: NoteMessage) => Promise<void> {
  const base = options.responseUrlBase ?? SLACK_RESPONSE_URL_BASE;
  const send = options.fetch ?? fetch;
  return async (responseUrl, message) => {
    if (!responseUrl.startsWith(base)) {
      throw new Error(`response_url is not under ${base}; not following it`);
    }
    const res = await send(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...message }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
  };
}
