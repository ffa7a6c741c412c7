/**
 * The Slack calls the notifier makes, behind a port: `post` (a root or a thread reply),
 * `update` (rewrite the root) and `findRoots` (the incident's earlier root posts, by the
 * message metadata every root carries: `conversations.history` with `include_all_metadata`,
 * which needs the `channels:history` scope, `groups:history` for private channels; and
 * `channelId` for a channel configured by name, `channels:read` / `groups:read`). Built on `@slack/web-api` with its own retries off
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
  /** Message metadata (roots carry the incident id, so a retry can find them). */
  metadata?: { eventType: string; payload: Record<string, string> };
}

/** A message found in a channel's history, with its metadata. */
export interface SlackPosted {
  ts: string;
  eventType: string | undefined;
  payload: Record<string, unknown>;
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
  /**
   * Top-level messages of `channel` (an id) posted since `oldest` (Slack ts) whose metadata is
   * of `eventType`, oldest first; reads at most `maxPages` pages of history.
   */
  findPosted(
    query: { channel: string; oldest: string; eventType: string; maxPages?: number },
    options: SlackCallOptions,
  ): Promise<SlackPosted[]>;
  /** A channel's id from its name (`conversations.list`, scope `channels:read`). */
  channelId(name: string, options: SlackCallOptions): Promise<string | undefined>;
}

/** History pages read when looking for an earlier root (200 messages each). */
export const HISTORY_PAGE_SIZE = 200;
export const HISTORY_MAX_PAGES = 5;

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
          ...(message.metadata === undefined
            ? {}
            : {
                metadata: { event_type: message.metadata.eventType, event_payload: message.metadata.payload },
              }),
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

    async findPosted(query, { budget }) {
      const found: SlackPosted[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < (query.maxPages ?? HISTORY_MAX_PAGES); page++) {
        const res = await call('conversations.history', budget, (client) =>
          client.conversations.history({
            channel: query.channel,
            oldest: query.oldest,
            inclusive: true,
            limit: HISTORY_PAGE_SIZE,
            include_all_metadata: true,
            ...(cursor === undefined ? {} : { cursor }),
          }),
        );
        for (const m of res.messages ?? []) {
          if (typeof m.ts !== 'string' || m.metadata?.event_type !== query.eventType) continue;
          found.push({
            ts: m.ts,
            eventType: m.metadata.event_type,
            payload: { ...(m.metadata.event_payload ?? {}) },
          });
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!res.has_more || cursor === undefined) break;
      }
      return found.sort((a, b) => Number(a.ts) - Number(b.ts));
    },

    async channelId(name, { budget }) {
      const wanted = name.replace(/^#/, '');
      let cursor: string | undefined;
      for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
        const res = await call('conversations.list', budget, (client) =>
          client.conversations.list({
            exclude_archived: true,
            types: 'public_channel,private_channel',
            limit: HISTORY_PAGE_SIZE,
            ...(cursor === undefined ? {} : { cursor }),
          }),
        );
        const hit = res.channels?.find((c) => c.name === wanted);
        if (hit?.id) return hit.id;
        cursor = res.response_metadata?.next_cursor || undefined;
        if (cursor === undefined) return undefined;
      }
      return undefined;
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
