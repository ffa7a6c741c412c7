/**
 * Contract: the real `@slack/web-api` WebClient against the local Slack stand-in. Every
 * answer here is one the client accepts, and every failure surfaces as the error code
 * the notifier will see from real Slack.
 */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import type { Logger, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BLOCK_TEXT_CHARS, startSlackServer, type SlackServer } from '../../local/slack-server';

// The client logs Slack's `[ERROR]` response messages; the assertions below check them instead.
const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

let slack: SlackServer;
let client: WebClient;

beforeAll(async () => {
  slack = await startSlackServer({
    channels: [
      { name: 'shop-oncall', id: 'C0ONCALL01' },
      { name: 'outside', member: false },
      { name: 'old', archived: true },
    ],
  });
});
afterAll(() => slack.close());
beforeEach(() => {
  client = new WebClient(slack.token, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silent,
  });
});

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the call to fail');
}

function section(text: string) {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

describe('Slack stand-in with the real WebClient', () => {
  it('answers auth.test for the configured token and rejects any other', async () => {
    const me = await client.auth.test();
    expect(me).toMatchObject({ ok: true, user_id: 'U0LOCALBOT', team_id: 'T0LOCAL' });

    const stranger = new WebClient('xoxb-wrong', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logger: silent,
    });
    const error = (await rejection(stranger.auth.test())) as WebAPIPlatformError;
    expect(error.code).toBe(ErrorCode.PlatformError);
    expect(error.data.error).toBe('invalid_auth');
  });

  it('posts by channel name, returns the channel id and a ts, and stores the blocks it got form-encoded', async () => {
    const blocks = [section('*Faults* for <https://x.example|3 users>')];
    const res = await client.chat.postMessage({ channel: 'shop-oncall', text: 'fallback', blocks });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe('C0ONCALL01');
    expect(res.ts).toMatch(/^\d+\.\d{6}$/);
    expect(res.message?.text).toBe('fallback');

    const [stored] = slack.messages('C0ONCALL01').filter((m) => m.ts === res.ts);
    expect(stored?.blocks).toEqual(blocks);
    const call = slack.calls('chat.postMessage').at(-1);
    expect(typeof call?.params.blocks).toBe('string'); // proves it arrived form-encoded
    expect(call?.params).not.toHaveProperty('token');
  });

  it('accepts a JSON body as well', async () => {
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: '#shop-oncall', blocks: [section('json body')] }),
    });
    const body = (await res.json()) as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(slack.thread('shop-oncall', body.ts)[0]?.blocks).toEqual([section('json body')]);
  });

  it('threads replies under the root, and conversations.replies returns root then replies', async () => {
    const root = await client.chat.postMessage({ channel: 'C0ONCALL01', text: 'incident opened' });
    const reply = await client.chat.postMessage({
      channel: 'C0ONCALL01',
      text: 'more users',
      thread_ts: root.ts,
    });
    // A reply to a reply lands in the same thread: Slack threads are one level deep.
    await client.chat.postMessage({ channel: 'C0ONCALL01', text: 'even more', thread_ts: reply.ts });

    const replies = await client.conversations.replies({ channel: 'C0ONCALL01', ts: root.ts ?? '' });
    expect(replies.messages?.map((m) => m.text)).toEqual(['incident opened', 'more users', 'even more']);
    expect(replies.messages?.[0]?.reply_count).toBe(2);
    expect(replies.messages?.[1]?.thread_ts).toBe(root.ts);
    expect(slack.messages('shop-oncall').map((m) => m.text)).not.toContain('more users');

    const missing = (await rejection(
      client.chat.postMessage({ channel: 'C0ONCALL01', text: 'x', thread_ts: '1.000001' }),
    )) as WebAPIPlatformError;
    expect(missing.data.error).toBe('invalid_thread_ts');
  });

  it('updates a root message in place, keeping its ts and blocks when only text changes', async () => {
    const root = await client.chat.postMessage({
      channel: 'shop-oncall',
      text: 'FIRING',
      blocks: [section('firing')],
    });
    const updated = await client.chat.update({
      channel: root.channel ?? '',
      ts: root.ts ?? '',
      text: 'RESOLVED',
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C0ONCALL01', ts: root.ts, text: 'RESOLVED' });

    const [stored] = slack.thread('C0ONCALL01', root.ts ?? '');
    expect(stored).toMatchObject({ text: 'RESOLVED', blocks: [section('firing')], updates: 1 });
    expect(stored?.editedTs).toBeDefined();
    // Like Slack's edit history: what the root said before.
    expect(stored?.revisions).toEqual([{ text: 'FIRING', blocks: [section('firing')] }]);

    const byName = (await rejection(
      client.chat.update({ channel: 'shop-oncall', ts: root.ts ?? '', text: 'x' }),
    )) as WebAPIPlatformError;
    expect(byName.data.error).toBe('channel_not_found');
    const unknownTs = (await rejection(
      client.chat.update({ channel: 'C0ONCALL01', ts: '9.000001', text: 'x' }),
    )) as WebAPIPlatformError;
    expect(unknownTs.data.error).toBe('message_not_found');
  });

  const sections = (n: number, chars: number) => Array.from({ length: n }, () => section('y'.repeat(chars)));
  it.each([
    { what: 'an unknown channel', args: { channel: 'nope', text: 'x' }, code: 'channel_not_found' },
    { what: 'a channel the bot is not in', args: { channel: 'outside', text: 'x' }, code: 'not_in_channel' },
    { what: 'an archived channel', args: { channel: 'old', text: 'x' }, code: 'is_archived' },
    { what: 'neither text nor blocks', args: { channel: 'shop-oncall', text: '' }, code: 'no_text' },
    {
      what: '51 blocks',
      args: { channel: 'shop-oncall', text: 'x', blocks: sections(51, 1) },
      code: 'invalid_blocks',
    },
    {
      what: 'a section over 3,000 characters',
      args: { channel: 'shop-oncall', text: 'x', blocks: sections(1, 3001) },
      code: 'invalid_blocks',
    },
    {
      what: 'an unknown block type',
      args: { channel: 'shop-oncall', text: 'x', blocks: [{ type: 'banner' }] },
      code: 'invalid_blocks',
    },
    {
      what: 'more than 12k characters of block text',
      args: {
        channel: 'shop-oncall',
        text: 'x',
        blocks: sections(5, Math.ceil(MAX_BLOCK_TEXT_CHARS / 5) + 1),
      },
      code: 'msg_blocks_too_long',
    },
  ])('rejects $what with $code', async ({ args, code }) => {
    const error = (await rejection(client.chat.postMessage(args))) as WebAPIPlatformError;
    expect(error.code).toBe(ErrorCode.PlatformError);
    expect(error.data.error).toBe(code);
  });

  it('explains invalid_blocks with json-pointer messages like Slack', async () => {
    const error = (await rejection(
      client.chat.postMessage({ channel: 'shop-oncall', text: 'x', blocks: [section('z'.repeat(3001))] }),
    )) as WebAPIPlatformError;
    expect(error.data.response_metadata?.messages).toEqual([
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
  });

  it('surfaces an injected 429 as a rate-limited error carrying Retry-After', async () => {
    slack.failNext({ kind: 'rate_limited', retryAfterSeconds: 7 }, { method: 'chat.postMessage' });
    const error = (await rejection(
      client.chat.postMessage({ channel: 'shop-oncall', text: 'x' }),
    )) as WebAPIRateLimitedError;
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(7);
    expect(slack.calls('chat.postMessage').at(-1)).toMatchObject({ status: 429, error: 'ratelimited' });
    // The fault was used up: the next post goes through.
    await expect(client.chat.postMessage({ channel: 'shop-oncall', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('surfaces injected HTTP 500s and ok:false errors for exactly the next N matching calls', async () => {
    slack.failNext({ kind: 'http', status: 500 }, { times: 2, method: 'chat.postMessage' });
    slack.failNext({ kind: 'error', error: 'fatal_error' }, { method: 'chat.update' });

    await expect(client.auth.test()).resolves.toMatchObject({ ok: true }); // other methods unaffected
    for (let i = 0; i < 2; i++) {
      const error = (await rejection(
        client.chat.postMessage({ channel: 'shop-oncall', text: 'x' }),
      )) as WebAPIHTTPError;
      expect(error.code).toBe(ErrorCode.HTTPError);
      expect(error.statusCode).toBe(500);
    }
    const posted = await client.chat.postMessage({ channel: 'shop-oncall', text: 'third time' });
    const updateError = (await rejection(
      client.chat.update({ channel: 'C0ONCALL01', ts: posted.ts ?? '', text: 'y' }),
    )) as WebAPIPlatformError;
    expect(updateError.data.error).toBe('fatal_error');
  });

  it('lists channels with cursor paging the client can follow', async () => {
    const pages: string[][] = [];
    for await (const page of client.paginate('conversations.list', { limit: 2 })) {
      pages.push(((page as { channels?: Array<{ name: string }> }).channels ?? []).map((c) => c.name));
    }
    expect(pages).toEqual([['shop-oncall', 'outside'], ['old']]);
  });

  it('keeps message metadata and returns it from conversations.history only when asked', async () => {
    slack.addChannel({ name: 'history', id: 'C0HISTORY1' });
    const metadata = { event_type: 'uia_incident_root', event_payload: { incident_id: 'r@1' } };
    const root = await client.chat.postMessage({ channel: 'C0HISTORY1', text: 'root', metadata });
    await client.chat.postMessage({ channel: 'C0HISTORY1', text: 'reply', thread_ts: root.ts ?? '' });
    const plain = await client.chat.postMessage({ channel: 'C0HISTORY1', text: 'plain' });

    const withMeta = await client.conversations.history({
      channel: 'C0HISTORY1',
      include_all_metadata: true,
    });
    // Newest first, thread replies left out, metadata as posted.
    expect(withMeta.messages?.map((m) => m.text)).toEqual(['plain', 'root']);
    expect(withMeta.messages?.[1]?.metadata).toEqual(metadata);
    const without = await client.conversations.history({ channel: 'C0HISTORY1' });
    expect(without.messages?.[1]).not.toHaveProperty('metadata');

    // oldest is exclusive unless inclusive; names are not accepted.
    const after = await client.conversations.history({ channel: 'C0HISTORY1', oldest: root.ts ?? '' });
    expect(after.messages?.map((m) => m.ts)).toEqual([plain.ts]);
    const from = await client.conversations.history({
      channel: 'C0HISTORY1',
      oldest: root.ts ?? '',
      inclusive: true,
    });
    expect(from.messages).toHaveLength(2);
    const byName = await rejection(client.conversations.history({ channel: 'history' }));
    expect((byName as WebAPIPlatformError).data.error).toBe('channel_not_found');
  });

  it('pages conversations.history with a cursor the client can follow', async () => {
    slack.addChannel({ name: 'busy', id: 'C0BUSY0001' });
    for (let i = 0; i < 5; i++) await client.chat.postMessage({ channel: 'C0BUSY0001', text: `m${i}` });
    const pages: string[][] = [];
    for await (const page of client.paginate('conversations.history', { channel: 'C0BUSY0001', limit: 2 })) {
      pages.push(((page as { messages?: Array<{ text: string }> }).messages ?? []).map((m) => m.text));
    }
    expect(pages).toEqual([['m4', 'm3'], ['m2', 'm1'], ['m0']]);
  });

  it('rejects metadata that is not an event type with a payload object', async () => {
    const error = await rejection(
      client.chat.postMessage({
        channel: 'C0ONCALL01',
        text: 'x',
        metadata: { event_type: 'x' } as unknown as {
          event_type: string;
          event_payload: Record<string, string>;
        },
      }),
    );
    expect((error as WebAPIPlatformError).data.error).toBe('invalid_metadata_format');
  });
});
