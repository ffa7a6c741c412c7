import { WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSecretsServer, type SecretsServer } from '../../local/secrets-server';
import { startSlackServer, type SlackServer } from '../../local/slack-server';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { Budget } from './budget';
import { PermanentError, RetryableError } from './errors';
import { createSlackApi, type SlackApi } from './slack-api';
import {
  SLACK_MAX_ATTEMPTS,
  classifySlackError,
  slackBackoffDelay,
  withSlackRetry,
  type SlackRetryOptions,
} from './slack-retry';
import { createSlackTokenSource } from './slack-token';
import { fakeClock, recordingLogger, type FakeClock } from './test-support';

const budgetOf = (clock: FakeClock, ms: number): Budget => {
  const deadline = clock.now().getTime() + ms;
  return { remainingMs: () => Math.max(0, deadline - clock.now().getTime()) };
};

describe('classifySlackError', () => {
  it('reads Retry-After from a rate-limited error', () => {
    expect(classifySlackError(new WebAPIRateLimitedError(7))).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 7_000,
    });
  });

  it.each(['channel_not_found', 'not_in_channel', 'invalid_auth', 'invalid_blocks', 'is_archived'])(
    '%s is permanent',
    (code) => {
      const error = new WebAPIPlatformError({ ok: false, error: code });
      expect(classifySlackError(error)).toEqual({ kind: 'permanent', reason: code, code });
    },
  );

  it.each(['internal_error', 'fatal_error', 'service_unavailable'])('%s is transient', (code) => {
    expect(classifySlackError(new WebAPIPlatformError({ ok: false, error: code }))?.kind).toBe('transient');
  });

  it('leaves errors that are not from the Web API alone', () => {
    expect(classifySlackError(new TypeError('bug'))).toBeUndefined();
  });
});

describe('withSlackRetry', () => {
  let clock: FakeClock;
  const options = (ms: number): SlackRetryOptions => ({
    budget: budgetOf(clock, ms),
    sleep: clock.sleep,
    random: () => 0,
    logger: recordingLogger(),
  });
  beforeEach(() => {
    clock = fakeClock('2026-03-02T10:00:00Z');
  });

  it('waits exactly Retry-After, then succeeds', async () => {
    let calls = 0;
    const result = await withSlackRetry(
      'chat.postMessage',
      async () => {
        if (++calls === 1) throw new WebAPIRateLimitedError(3);
        return 'ok';
      },
      options(30_000),
    );
    expect(result).toBe('ok');
    expect(clock.sleeps).toEqual([3_000]);
  });

  it('gives up retryably when Retry-After does not fit the budget, without waiting', async () => {
    const failure = withSlackRetry(
      'chat.postMessage',
      async () => {
        throw new WebAPIRateLimitedError(30);
      },
      options(10_000),
    );
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    await expect(failure).rejects.toThrow('waiting 30000 ms more does not fit the 10000 ms left');
    expect(clock.sleeps).toEqual([]);
  });

  it('backs off exponentially on 5xx and stops when the next wait would pass the budget', async () => {
    const http500 = Object.assign(new Error('500'), { code: 'slack_webapi_http_error', statusCode: 500 });
    const failure = withSlackRetry(
      'chat.update',
      async () => {
        throw http500;
      },
      options(3_000),
    );
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    // random 0 → half of 500, 1000, 2000, 4000 ms; after 1,750 ms of waits, 2,000 more do not fit.
    expect(clock.sleeps).toEqual([250, 500, 1_000]);
    const cause = await failure.catch((e: Error) => e.cause);
    expect(cause).toBe(http500);
  });

  it('stops after a few attempts even with budget to spare', async () => {
    let calls = 0;
    const failure = withSlackRetry(
      'chat.postMessage',
      async () => {
        calls++;
        throw Object.assign(new Error('reset'), { code: 'slack_webapi_request_error' });
      },
      options(600_000),
    );
    await expect(failure).rejects.toThrow(`(${SLACK_MAX_ATTEMPTS} attempts)`);
    expect(calls).toBe(SLACK_MAX_ATTEMPTS);
  });

  it('does not retry a permanent error', async () => {
    let calls = 0;
    const failure = withSlackRetry(
      'chat.postMessage',
      async () => {
        calls++;
        throw new WebAPIPlatformError({ ok: false, error: 'not_in_channel' });
      },
      options(30_000),
    );
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow('Slack chat.postMessage: not_in_channel');
    expect(calls).toBe(1);
  });

  it('caps the backoff at 8 s', () => {
    expect(slackBackoffDelay(10, () => 0.999)).toBeLessThanOrEqual(8_000);
    expect(slackBackoffDelay(0, () => 0)).toBe(250);
  });
});

describe('Slack API against the local Slack stand-in', () => {
  let slack: SlackServer;
  let secrets: SecretsServer;
  let clock: FakeClock;
  let api: SlackApi;

  beforeAll(async () => {
    slack = await startSlackServer({
      channels: [
        { name: 'shop-oncall', id: 'C0ONCALL01' },
        { name: 'outside', member: false },
      ],
    });
    secrets = await startSecretsServer({ secrets: { 'uia/slack-bot-token': slack.token } });
  });
  afterAll(async () => {
    await slack?.close();
    await secrets?.close();
  });
  beforeEach(() => {
    clock = fakeClock('2026-03-02T10:00:00Z');
    const provider = new SecretsProvider({
      awsSdkV3Client: new SecretsManagerClient({
        endpoint: secrets.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    });
    api = createSlackApi({
      token: createSlackTokenSource({ provider, secretId: 'uia/slack-bot-token', maxAgeSeconds: 300 }),
      slackApiUrl: slack.apiUrl,
      sleep: clock.sleep,
      random: () => 0,
      logger: recordingLogger(),
    });
  });

  const message = {
    text: 'FIRING',
    blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'x' } }],
  };

  it('posts form-encoded by channel name, returns the channel id, and threads a reply', async () => {
    const root = await api.post({ channel: 'shop-oncall', ...message }, { budget: budgetOf(clock, 30_000) });
    expect(root.channel).toBe('C0ONCALL01');
    await api.post(
      { channel: root.channel, threadTs: root.ts, ...message, text: 'reply' },
      { budget: budgetOf(clock, 30_000) },
    );
    expect(slack.thread('C0ONCALL01', root.ts).map((m) => m.text)).toEqual(['FIRING', 'reply']);
    const call = slack.calls('chat.postMessage').at(-1);
    expect(call?.params).toMatchObject({ thread_ts: root.ts, unfurl_links: 'false' });
    expect(typeof call?.params.blocks).toBe('string');
  });

  it('honours a 429 Retry-After from Slack and then posts once', async () => {
    slack.failNext({ kind: 'rate_limited', retryAfterSeconds: 2 }, { method: 'chat.postMessage' });
    const before = slack.messages('C0ONCALL01').length;
    await api.post({ channel: 'shop-oncall', ...message }, { budget: budgetOf(clock, 30_000) });
    expect(clock.sleeps).toEqual([2_000]);
    expect(slack.messages('C0ONCALL01')).toHaveLength(before + 1);
  });

  it('retries Slack 500s with backoff and gives up retryably inside the budget', async () => {
    slack.failNext({ kind: 'http', status: 503 }, { method: 'chat.update', times: 10 });
    const root = await api.post({ channel: 'shop-oncall', ...message }, { budget: budgetOf(clock, 30_000) });
    const failure = api.update(
      { channel: root.channel, ts: root.ts, ...message },
      { budget: budgetOf(clock, 2_000) },
    );
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    // 250 + 500 + 1,000 ms of waits fit the 2 s budget; the next 2,000 ms do not.
    expect(slack.calls('chat.update').filter((c) => c.status === 503)).toHaveLength(4);
    expect(clock.sleeps).toEqual([250, 500, 1_000]);
  });

  it('fails permanently for a channel the bot is not in, and for invalid blocks', async () => {
    await expect(
      api.post({ channel: 'outside', ...message }, { budget: budgetOf(clock, 30_000) }),
    ).rejects.toThrow('Slack chat.postMessage: not_in_channel');
    const tooLong = { type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'y'.repeat(3001) } };
    await expect(
      api.post({ channel: 'shop-oncall', text: 'x', blocks: [tooLong] }, { budget: budgetOf(clock, 30_000) }),
    ).rejects.toBeInstanceOf(PermanentError);
  });

  it('re-reads a rotated token once when Slack says invalid_auth, and posts with the new one', async () => {
    const rotated = await startSlackServer({ token: 'xoxb-rotated', channels: [{ name: 'shop-oncall' }] });
    try {
      secrets.setSecret('rotating', 'xoxb-before-rotation');
      const provider = new SecretsProvider({
        awsSdkV3Client: new SecretsManagerClient({
          endpoint: secrets.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }),
      });
      const token = createSlackTokenSource({ provider, secretId: 'rotating', maxAgeSeconds: 300 });
      expect(await token()).toBe('xoxb-before-rotation'); // now cached
      secrets.setSecret('rotating', 'xoxb-rotated');
      const rotatingApi = createSlackApi({
        token,
        slackApiUrl: rotated.apiUrl,
        sleep: clock.sleep,
        random: () => 0,
        logger: recordingLogger(),
      });
      await rotatingApi.post({ channel: 'shop-oncall', ...message }, { budget: budgetOf(clock, 30_000) });
      expect(rotated.calls('chat.postMessage').map((c) => c.error)).toEqual(['invalid_auth', undefined]);
      expect(rotated.messages('shop-oncall')).toHaveLength(1);
    } finally {
      await rotated.close();
    }
  });
});
