/**
 * Contract: the Slack stand-in's per-channel `chat.postMessage` limit (local/aws-timing.ts,
 * `slack-rate-limit`), seen through the real WebClient: a burst, then `rate_limited` with
 * Retry-After, per channel, refilled at one post a second on the stand-in's clock.
 */
import { ErrorCode, LogLevel, WebClient, type Logger, type WebAPIRateLimitedError } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackServer, type SlackServer } from '../../local/slack-server';

const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

let slack: SlackServer | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

async function setup(now: { ms: number }) {
  slack = await startSlackServer({
    channels: [{ name: 'shop-oncall' }, { name: 'shop-alerts' }],
    clock: () => now.ms,
    rateLimit: { perSecond: 1, burst: 3, retryAfterSeconds: 1 },
  });
  const client = new WebClient(slack.token, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silent,
  });
  const post = (channel: string) => client.chat.postMessage({ channel, text: 'page' });
  return { client, post };
}

describe('Slack stand-in rate limit', () => {
  it('allows a burst per channel, then answers 429 with Retry-After, and refills one post a second', async () => {
    const now = { ms: Date.parse('2026-11-22T21:05:00Z') };
    const { post } = await setup(now);
    for (let i = 0; i < 3; i++) await post('shop-oncall');
    const error = (await post('shop-oncall').catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(1);
    // Another channel has its own bucket.
    await expect(post('shop-alerts')).resolves.toMatchObject({ ok: true });
    now.ms += 1_000;
    await expect(post('shop-oncall')).resolves.toMatchObject({ ok: true });
    await expect(post('shop-oncall')).rejects.toMatchObject({ code: ErrorCode.RateLimitedError });
    expect(slack!.calls('chat.postMessage').filter((c) => c.status === 429)).toHaveLength(2);
    expect(slack!.messages('shop-oncall')).toHaveLength(4);
  });

  it('does not limit other methods, nor posts when no limit is set', async () => {
    const now = { ms: Date.parse('2026-11-22T21:05:00Z') };
    const { client, post } = await setup(now);
    const posted = await post('shop-oncall');
    for (let i = 0; i < 6; i++) {
      await client.chat.update({ channel: posted.channel!, ts: posted.ts!, text: `edit ${i}` });
    }
    await slack!.close();
    slack = await startSlackServer({ channels: [{ name: 'shop-oncall' }], clock: () => now.ms });
    const unlimited = new WebClient(slack.token, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logger: silent,
    });
    for (let i = 0; i < 10; i++)
      await unlimited.chat.postMessage({ channel: 'shop-oncall', text: `page ${i}` });
    expect(slack.messages('shop-oncall')).toHaveLength(10);
  });
});
