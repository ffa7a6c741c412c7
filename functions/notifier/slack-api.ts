/**
 * The two Slack calls the notifier makes, behind a port: `post` (a root or a thread reply)
 * and `update` (rewrite the root). Built on `@slack/web-api` with its own retries off
 * (slack-retry.ts explains why) and a WebClient per token, so a rotated token gets a new one.
 *
 * `chat.update` accepts channel ids only, so callers keep the id `post` returns; a post by
 * channel name works because Slack resolves names there.
 *
 * Token rotation: when Slack answers with an auth error, the secret is read once more past
 * the cache; if it changed, the call is retried once with the new token.
 */
import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { SlackBlock } from '../../templates/slack-alert';
import type { Budget } from './budget';
import type { NotifierLogger, Random, Sleep } from './ports';
import { AUTH_CODES, SlackPermanentError, withSlackRetry } from './slack-retry';
import type { SlackTokenSource } from './slack-token';

export interface SlackPost {
  channel: string;
  text: string;
  blocks: readonly SlackBlock[];
  /** Root ts: the message becomes a reply in that thread. */
  threadTs?: string;
}

export interface SlackUpdate {
  /** Channel id (not a name). */
  channel: string;
  ts: string;
  text: string;
  blocks: readonly SlackBlock[];
}

export interface SlackCallOptions {
  budget: Budget;
}

export interface SlackApi {
  post(message: SlackPost, options: SlackCallOptions): Promise<{ channel: string; ts: string }>;
  update(message: SlackUpdate, options: SlackCallOptions): Promise<void>;
}

export interface SlackApiOptions {
  token: SlackTokenSource;
  /** The local Slack stand-in's API URL; undefined for the real Slack. */
  slackApiUrl: string | undefined;
  sleep: Sleep;
  random: Random;
  logger: NotifierLogger;
  /** Per HTTP request; a hung connection must not eat the whole invocation. @default 10 s */
  requestTimeoutMs?: number;
}

export function createSlackApi(options: SlackApiOptions): SlackApi {
  const clients = new Map<string, WebClient>();
  const clientFor = (token: string): WebClient => {
    let client = clients.get(token);
    if (!client) {
      clients.clear();
      client = new WebClient(token, {
        ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: options.requestTimeoutMs ?? 10_000,
        logger: slackLogger(options.logger),
      });
      clients.set(token, client);
    }
    return client;
  };

  async function call<T>(what: string, budget: Budget, run: (client: WebClient) => Promise<T>): Promise<T> {
    const retry = { budget, sleep: options.sleep, random: options.random, logger: options.logger };
    const token = await options.token();
    try {
      return await withSlackRetry(what, () => run(clientFor(token)), retry);
    } catch (error) {
      if (!(error instanceof SlackPermanentError) || !AUTH_CODES.has(error.slackCode ?? '')) throw error;
      const fresh = await options.token({ fresh: true });
      if (fresh === token) throw error;
      options.logger.info('Slack token changed in Secrets Manager; retrying with the new one', { what });
      return withSlackRetry(what, () => run(clientFor(fresh)), retry);
    }
  }

  return {
    async post(message, { budget }) {
      const res = await call('chat.postMessage', budget, (client) =>
        client.chat.postMessage({
          channel: message.channel,
          text: message.text,
          blocks: [...message.blocks],
          ...(message.threadTs === undefined ? {} : { thread_ts: message.threadTs }),
          // Links in a page point at consoles and runbooks: previews would only add noise.
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      if (typeof res.channel !== 'string' || typeof res.ts !== 'string') {
        throw new SlackPermanentError(
          'Slack chat.postMessage: response without channel or ts',
          undefined,
          res,
        );
      }
      return { channel: res.channel, ts: res.ts };
    },

    async update(message, { budget }) {
      await call('chat.update', budget, (client) =>
        client.chat.update({
          channel: message.channel,
          ts: message.ts,
          text: message.text,
          blocks: [...message.blocks],
        }),
      );
    },
  };
}

/** The WebClient's own log lines, routed into ours (its debug chatter dropped). */
function slackLogger(logger: NotifierLogger): SlackLogger {
  let level = LogLevel.WARN;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...messages: unknown[]) => logger.warn('slack client', { messages: messages.map(String) }),
    error: (...messages: unknown[]) => logger.error('slack client', { messages: messages.map(String) }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
