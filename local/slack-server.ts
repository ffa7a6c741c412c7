/**
 * Slack Web API stand-in for `@slack/web-api`'s WebClient
 * (`new WebClient(token, { slackApiUrl: server.apiUrl })`): `auth.test`,
 * `chat.postMessage` (with message `metadata`), `chat.update`, `conversations.history`,
 * `conversations.list`, `conversations.replies`, `usergroups.users.list`; and the `response_url`s
 * interactivity payloads carry (`/actions/<n>`: ephemeral answers to a click, recorded; see
 * local/slack-click.ts for the click itself).
 *
 * `conversations.history` as Slack documents it (docs.slack.dev, reference/methods/
 * conversations.history): channel ids only; newest first; `oldest`/`latest` exclusive unless
 * `inclusive`; `limit` default 100, at most 999; `has_more` with an opaque
 * `response_metadata.next_cursor`; thread replies left out unless broadcast; `metadata` only
 * with `include_all_metadata`. See docs/slack-api.md.
 *
 * It answers the way Slack does: HTTP 200 with `ok: false` and an error code for API
 * errors, HTTP 429 with `Retry-After` (seconds) when rate limited, and the block checks
 * that make real Slack reject a message the templates might produce.
 *
 * Rate limit (optional, `rateLimit`): `chat.postMessage` per channel as Slack documents it, about
 * one message a second with short bursts (a token bucket: `burst` posts at once, refilled at
 * `perSecond`), answered beyond it with HTTP 429, `{ ok: false, error: 'ratelimited' }` and
 * `Retry-After` in seconds. Figures and sources: local/aws-timing.ts (`slack-rate-limit`).
 *
 * Like Slack, `chat.postMessage` accepts a channel id or name; `chat.update` and
 * `conversations.replies` accept only ids (`channel_not_found` for a name), so code that
 * works here keeps the id from the post response as it must against Slack.
 */
import { header, jsonReply, createFaultQueue, startHttpServer } from './http-server';
import type { FaultOptions, HttpReply, HttpRequest } from './http-server';

/** Slack: "You can include up to 50 blocks in each message". */
export const MAX_BLOCKS = 50;
/** `msg_blocks_too_long` was seen at ~13k characters of block text; we reject above 12k. */
export const MAX_BLOCK_TEXT_CHARS = 12_000;
export const MAX_SECTION_TEXT_CHARS = 3_000;
export const MAX_SECTION_FIELDS = 10;
export const MAX_SECTION_FIELD_CHARS = 2_000;
export const MAX_HEADER_TEXT_CHARS = 150;
export const MAX_CONTEXT_ELEMENTS = 10;

const KNOWN_BLOCK_TYPES = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'video',
]);

export interface SlackChannelInput {
  name: string;
  /** Generated (`C…`) when absent. */
  id?: string;
  /** Whether the bot is in the channel (default true); posting elsewhere is `not_in_channel`. */
  member?: boolean;
  archived?: boolean;
}

export interface SlackChannel {
  id: string;
  name: string;
  member: boolean;
  archived: boolean;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  /** Set on replies (the root's ts) and on roots that have replies (their own ts). */
  threadTs: string | undefined;
  replyBroadcast: boolean;
  /** ts of the last `chat.update`, if any. */
  editedTs: string | undefined;
  /** How many times `chat.update` changed this message. */
  updates: number;
  /** Message metadata posted with it (`event_type`, `event_payload`). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> } | undefined;
  /** What it said before each `chat.update`, oldest first (Slack keeps an edit history too). */
  revisions: Array<{ text: string; blocks: unknown[] | undefined }>;
}

export interface SlackCall {
  method: string;
  params: Record<string, unknown>;
  status: number;
  ok: boolean;
  error: string | undefined;
}

export type SlackFault =
  | { kind: 'http'; status: number }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'error'; error: string }
  /** Never answers; `accept`: the call is carried out first (its caller dies not knowing). */
  | { kind: 'hang'; accept: boolean };

const NEVER = new Promise<never>(() => undefined);

export interface SlackRateLimit {
  /** Posts a channel regains per second. */
  perSecond: number;
  /** Posts a channel can make at once. */
  burst: number;
  /** The `Retry-After` header sent with a 429. */
  retryAfterSeconds: number;
}

export interface SlackServerOptions {
  /** Bot token the server accepts (default `xoxb-local-token`). */
  token?: string;
  channels?: SlackChannelInput[];
  /** Milliseconds since the epoch; message ts values and the rate limit derive from it. */
  clock?: () => number;
  /** Per-channel `chat.postMessage` limit; default none. */
  rateLimit?: SlackRateLimit | undefined;
}

export interface SlackServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Pass as WebClient's `slackApiUrl`. */
  apiUrl: string;
  token: string;
  close(): Promise<void>;
  channels(): SlackChannel[];
  addChannel(channel: SlackChannelInput): SlackChannel;
  /** Top-level messages in a channel (id or name), oldest first; broadcast replies included. */
  messages(channel: string): SlackMessage[];
  /** Root message followed by its replies, oldest first; empty when there is no such message. */
  thread(channel: string, ts: string): SlackMessage[];
  /** Every call received, in order, with the outcome sent back. */
  calls(method?: string): SlackCall[];
  /** A user group `usergroups.users.list` answers for. */
  addUserGroup(id: string, users: readonly string[]): void;
  /** A fresh `response_url` for one click. */
  responseUrl(): string;
  /** What was posted to the response URLs (ephemeral answers), oldest first. */
  responses(): Array<{ url: string; body: Record<string, unknown> }>;
  /** The next matching calls fail with `fault` instead of running. */
  failNext(fault: SlackFault, options?: FaultOptions<{ method: string }> & { method?: string }): void;
}

const BOT = { userId: 'U0LOCALBOT', botId: 'B0LOCALBOT', teamId: 'T0LOCAL', team: 'Local', user: 'uia-bot' };

type Params = Record<string, unknown>;
type Failure = { ok: false; error: string; extra?: Params };
type Outcome = { ok: true; body: Params } | Failure;

const fail = (error: string, extra?: Params): Failure => ({ ok: false, error, extra });

export async function startSlackServer(options: SlackServerOptions = {}): Promise<SlackServer> {
  const token = options.token ?? 'xoxb-local-token';
  const clock = options.clock ?? Date.now;
  const channels = new Map<string, SlackChannel>();
  const messagesByChannel = new Map<string, SlackMessage[]>();
  const calls: SlackCall[] = [];
  const faults = createFaultQueue<SlackFault, { method: string }>();
  let lastMicros = 0;
  let channelSeq = 0;
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const userGroups = new Map<string, readonly string[]>();
  const responses: Array<{ url: string; body: Record<string, unknown> }> = [];
  let responseSeq = 0;

  /** Takes one post from the channel's bucket; false when it is empty (rate limited). */
  function takePost(channelRef: unknown): boolean {
    const limit = options.rateLimit;
    const channel = typeof channelRef === 'string' ? byIdOrName(channelRef) : undefined;
    if (!limit || !channel) return true;
    const at = clock();
    const bucket = buckets.get(channel.id) ?? { tokens: limit.burst, atMs: at };
    bucket.tokens = Math.min(
      limit.burst,
      bucket.tokens + (Math.max(0, at - bucket.atMs) / 1000) * limit.perSecond,
    );
    bucket.atMs = at;
    buckets.set(channel.id, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  function addChannel(input: SlackChannelInput): SlackChannel {
    channelSeq += 1;
    const channel: SlackChannel = {
      id: input.id ?? `C0LOCAL${String(channelSeq).padStart(4, '0')}`,
      name: input.name.replace(/^#/, ''),
      member: input.member ?? true,
      archived: input.archived ?? false,
    };
    channels.set(channel.id, channel);
    messagesByChannel.set(channel.id, []);
    return channel;
  }
  for (const c of options.channels ?? []) addChannel(c);

  function byIdOrName(ref: string): SlackChannel | undefined {
    const name = ref.replace(/^#/, '');
    return channels.get(ref) ?? [...channels.values()].find((c) => c.name === name);
  }

  // Slack ts values are "<seconds>.<microseconds>", unique and increasing per workspace.
  function nextTs(): string {
    lastMicros = Math.max(Math.floor(clock() * 1000), lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  }

  function find(channelId: string, ts: string): SlackMessage | undefined {
    return messagesByChannel.get(channelId)?.find((m) => m.ts === ts);
  }

  function repliesOf(root: SlackMessage): SlackMessage[] {
    return (messagesByChannel.get(root.channel) ?? []).filter((m) => m.threadTs === root.ts && m !== root);
  }

  function view(m: SlackMessage, withMetadata = false): Params {
    const replies = m.threadTs === m.ts ? repliesOf(m) : [];
    return {
      ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
      type: 'message',
      text: m.text,
      ts: m.ts,
      user: BOT.userId,
      bot_id: BOT.botId,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(replies.length > 0
        ? {
            reply_count: replies.length,
            latest_reply: replies[replies.length - 1]?.ts,
            reply_users: [BOT.userId],
          }
        : {}),
      ...(m.editedTs ? { edited: { user: BOT.userId, ts: m.editedTs } } : {}),
    };
  }

  function postable(ref: string | undefined): SlackChannel | Outcome {
    const channel = ref === undefined ? undefined : byIdOrName(ref);
    if (!channel) return fail('channel_not_found');
    if (channel.archived) return fail('is_archived');
    if (!channel.member) return fail('not_in_channel');
    return channel;
  }

  function postMessage(params: Params): Outcome {
    const channel = postable(str(params, 'channel'));
    if (!('id' in channel)) return channel;
    const content = messageContent(params, true);
    if ('error' in content) return content;
    const metadata = messageMetadata(params.metadata);
    if (metadata === 'invalid') return fail('invalid_metadata_format');
    let threadTs = str(params, 'thread_ts');
    if (threadTs !== undefined) {
      const parent = find(channel.id, threadTs);
      if (!parent) return fail('invalid_thread_ts');
      // Slack has one level of threads: replying to a reply joins the root's thread.
      threadTs = parent.threadTs ?? parent.ts;
      const root = find(channel.id, threadTs);
      if (root) root.threadTs = root.ts;
    }
    const message: SlackMessage = {
      channel: channel.id,
      ts: nextTs(),
      text: content.text ?? '',
      blocks: content.blocks,
      threadTs,
      replyBroadcast: threadTs !== undefined && bool(params, 'reply_broadcast'),
      editedTs: undefined,
      updates: 0,
      metadata,
      revisions: [],
    };
    messagesByChannel.get(channel.id)?.push(message);
    return { ok: true, body: { channel: channel.id, ts: message.ts, message: view(message) } };
  }

  function update(params: Params): Outcome {
    const channel = channels.get(str(params, 'channel') ?? '');
    if (!channel) return fail('channel_not_found');
    if (channel.archived) return fail('is_archived');
    const message = find(channel.id, str(params, 'ts') ?? '');
    if (!message) return fail('message_not_found');
    const content = messageContent(params, false);
    if ('error' in content) return content;
    if (content.text === undefined && content.blocks === undefined) return fail('no_text');
    message.revisions.push({ text: message.text, blocks: message.blocks });
    if (content.text !== undefined) message.text = content.text;
    // Slack keeps the previous blocks when an update sends none.
    if (content.blocks !== undefined) message.blocks = content.blocks;
    message.editedTs = nextTs();
    message.updates += 1;
    return {
      ok: true,
      body: { channel: channel.id, ts: message.ts, text: message.text, message: view(message) },
    };
  }

  function replies(params: Params): Outcome {
    const channel = channels.get(str(params, 'channel') ?? '');
    if (!channel) return fail('channel_not_found');
    const thread = threadOf(channel.id, str(params, 'ts') ?? '');
    if (thread.length === 0) return fail('thread_not_found');
    return { ok: true, body: { messages: thread.map((m) => view(m)), has_more: false } };
  }

  function history(params: Params): Outcome {
    const channel = channels.get(str(params, 'channel') ?? '');
    if (!channel) return fail('channel_not_found');
    const inclusive = bool(params, 'inclusive');
    const oldest = Number(str(params, 'oldest') ?? 0) || 0;
    const latestRaw = str(params, 'latest');
    const latest = latestRaw === undefined ? Number.POSITIVE_INFINITY : Number(latestRaw);
    const limit = Math.min(Math.max(Number(str(params, 'limit') ?? 100) || 100, 1), 999);
    const offset = decodeCursor(str(params, 'cursor'));
    if (offset === undefined) return fail('invalid_cursor');
    const inRange = (ts: number) =>
      (inclusive ? ts >= oldest : ts > oldest) && (inclusive ? ts <= latest : ts < latest);
    const all = (messagesByChannel.get(channel.id) ?? [])
      .filter((m) => isTopLevel(m) && inRange(Number(m.ts)))
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const page = all.slice(offset, offset + limit);
    const hasMore = offset + limit < all.length;
    const withMetadata = bool(params, 'include_all_metadata');
    return {
      ok: true,
      body: {
        messages: page.map((m) => view(m, withMetadata)),
        has_more: hasMore,
        pin_count: 0,
        ...(hasMore ? { response_metadata: { next_cursor: encodeCursor(offset + limit) } } : {}),
      },
    };
  }

  function list(params: Params): Outcome {
    const excludeArchived = bool(params, 'exclude_archived');
    const limit = Math.min(Math.max(Number(str(params, 'limit') ?? 100) || 100, 1), 1000);
    const cursor = Number(str(params, 'cursor') ?? 0) || 0;
    const all = [...channels.values()].filter((c) => !excludeArchived || !c.archived);
    const page = all.slice(cursor, cursor + limit);
    const next = cursor + limit < all.length ? String(cursor + limit) : '';
    return {
      ok: true,
      body: {
        channels: page.map((c) => ({
          id: c.id,
          name: c.name,
          is_channel: true,
          is_private: false,
          is_archived: c.archived,
          is_member: c.member,
        })),
        response_metadata: { next_cursor: next },
      },
    };
  }

  function threadOf(channelId: string, ts: string): SlackMessage[] {
    const message = find(channelId, ts);
    if (!message) return [];
    const root = message.threadTs ? (find(channelId, message.threadTs) ?? message) : message;
    return [root, ...repliesOf(root)];
  }

  const methods: Record<string, (params: Params) => Outcome> = {
    'usergroups.users.list': (params) => {
      const users = userGroups.get(str(params, 'usergroup') ?? '');
      return users ? { ok: true, body: { users: [...users] } } : fail('no_such_subteam');
    },
    'auth.test': () => ({
      ok: true,
      body: {
        url: 'https://local.slack.com/',
        team: BOT.team,
        user: BOT.user,
        team_id: BOT.teamId,
        user_id: BOT.userId,
        bot_id: BOT.botId,
        is_enterprise_install: false,
      },
    }),
    'chat.postMessage': postMessage,
    'chat.update': update,
    'conversations.history': history,
    'conversations.list': list,
    'conversations.replies': replies,
  };

  function handle(request: HttpRequest): HttpReply | Promise<HttpReply> {
    if (request.path.startsWith('/actions/')) {
      const body = parseJson(request.body.toString('utf8'));
      responses.push({ url: `${server.url}${request.path}`, body: isRecord(body) ? body : {} });
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
    }
    const method = request.path.replace(/^\/api\//, '');
    const params = parseParams(request);
    const record = (status: number, error: string | undefined) => {
      calls.push({ method, params: redactToken(params), status, ok: status === 200 && !error, error });
    };

    const fault = faults.take({ method });
    if (fault?.kind === 'hang') {
      if (fault.accept && !authError(request, params, token)) methods[method]?.(params);
      record(0, undefined);
      return NEVER;
    }
    if (
      !fault &&
      method === 'chat.postMessage' &&
      !authError(request, params, token) &&
      !takePost(params.channel)
    ) {
      record(429, 'ratelimited');
      return jsonReply(
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(options.rateLimit?.retryAfterSeconds ?? 1) },
      );
    }
    if (fault?.kind === 'http') {
      record(fault.status, undefined);
      return { status: fault.status, headers: { 'content-type': 'text/html' }, body: '<html>error</html>' };
    }
    if (fault?.kind === 'rate_limited') {
      record(429, 'ratelimited');
      return jsonReply(
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(fault.retryAfterSeconds) },
      );
    }
    const outcome: Outcome =
      fault?.kind === 'error'
        ? fail(fault.error)
        : (authError(request, params, token) ?? methods[method]?.(params) ?? fail('unknown_method'));
    if (outcome.ok) {
      record(200, undefined);
      return jsonReply(200, { ok: true, ...outcome.body });
    }
    record(200, outcome.error);
    return jsonReply(200, { ok: false, error: outcome.error, ...outcome.extra });
  }

  const server = await startHttpServer(handle);
  return {
    url: server.url,
    apiUrl: `${server.url}/api/`,
    token,
    close: server.close,
    channels: () => [...channels.values()].map((c) => ({ ...c })),
    addChannel,
    messages(ref) {
      const channel = byIdOrName(ref);
      if (!channel) return [];
      return (messagesByChannel.get(channel.id) ?? []).filter(isTopLevel).map((m) => structuredClone(m));
    },
    thread(ref, ts) {
      const channel = byIdOrName(ref);
      return channel ? threadOf(channel.id, ts).map((m) => structuredClone(m)) : [];
    },
    calls: (method) => calls.filter((c) => method === undefined || c.method === method),
    addUserGroup: (id, users) => void userGroups.set(id, [...users]),
    responseUrl: () => `${server.url}/actions/T0LOCAL/${++responseSeq}/local`,
    responses: () => responses.map((r) => structuredClone(r)),
    failNext(fault, { method, times, when } = {}) {
      faults.add(fault, {
        times,
        when: (call) =>
          (method === undefined || call.method === method) && (when === undefined || when(call)),
      });
    },
  };
}

/** Slack's cursors are opaque base64 strings; ours encode an offset. */
function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`, 'utf8').toString('base64');
}

function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/** `metadata` as chat.postMessage takes it: a JSON object (form-encoded as a string). */
function messageMetadata(raw: unknown): SlackMessage['metadata'] | 'invalid' {
  if (raw === undefined || raw === '') return undefined;
  const value = typeof raw === 'string' ? parseJson(raw) : raw;
  if (!isRecord(value) || typeof value.event_type !== 'string' || !isRecord(value.event_payload)) {
    return 'invalid';
  }
  return { event_type: value.event_type, event_payload: { ...value.event_payload } };
}

function isTopLevel(m: SlackMessage): boolean {
  return m.threadTs === undefined || m.threadTs === m.ts || m.replyBroadcast;
}

function authError(request: HttpRequest, params: Params, token: string): Outcome | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
  const given = bearer ?? str(params, 'token');
  if (given === undefined || given === '') return fail('not_authed');
  return given === token ? undefined : fail('invalid_auth');
}

/** WebClient sends form-encoded bodies (objects as JSON strings); other clients send JSON. */
function parseParams(request: HttpRequest): Params {
  const type = header(request, 'content-type') ?? '';
  const text = request.body.toString('utf8');
  const fromQuery = Object.fromEntries(request.query);
  if (type.includes('application/json')) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return { ...fromQuery, ...(value as Params) };
      }
    } catch {
      // Slack treats an unparseable body as no arguments.
    }
    return fromQuery;
  }
  return { ...fromQuery, ...Object.fromEntries(new URLSearchParams(text)) };
}

function redactToken(params: Params): Params {
  if (!('token' in params)) return params;
  const { token: _token, ...rest } = params;
  return rest;
}

function str(params: Params, key: string): string | undefined {
  const value = params[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function bool(params: Params, key: string): boolean {
  const value = params[key];
  return value === true || value === 'true' || value === '1' || value === 1;
}

type Content = { text: string | undefined; blocks: unknown[] | undefined } | Failure;

function messageContent(params: Params, requireSome: boolean): Content {
  const text = str(params, 'text');
  let blocks: unknown[] | undefined;
  const raw = params.blocks;
  if (raw !== undefined && raw !== '') {
    const parsed = typeof raw === 'string' ? parseJson(raw) : raw;
    if (!Array.isArray(parsed)) return fail('invalid_blocks_format');
    const problems = blockProblems(parsed);
    if (problems.length > 0) {
      return fail('invalid_blocks', {
        errors: problems,
        response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
      });
    }
    if (blockTextLength(parsed) > MAX_BLOCK_TEXT_CHARS) return fail('msg_blocks_too_long');
    blocks = parsed.length > 0 ? parsed : undefined;
  }
  if (requireSome && (text === undefined || text === '') && blocks === undefined) return fail('no_text');
  return { text, blocks };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The checks behind Slack's `invalid_blocks`, worded like its `[json-pointer:…]` messages. */
export function blockProblems(blocks: unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > MAX_BLOCKS) {
    problems.push(`no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`);
  }
  blocks.forEach((block, i) => {
    const at = `/blocks/${i}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      problems.push(`missing required field: type [json-pointer:${at}]`);
      return;
    }
    if (!KNOWN_BLOCK_TYPES.has(block.type)) {
      problems.push(`unsupported type: ${block.type} [json-pointer:${at}/type]`);
      return;
    }
    if (block.type === 'section') problems.push(...sectionProblems(block, at));
    if (block.type === 'header') {
      const t = textObject(block.text);
      if (t === undefined || t.type !== 'plain_text') {
        problems.push(`must provide a plain_text object [json-pointer:${at}/text]`);
      } else problems.push(...lengthProblems(t.text, MAX_HEADER_TEXT_CHARS, `${at}/text/text`));
    }
    if (block.type === 'context') {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > MAX_CONTEXT_ELEMENTS) {
        problems.push(`must have 1 to ${MAX_CONTEXT_ELEMENTS} elements [json-pointer:${at}/elements]`);
      }
    }
  });
  return problems;
}

function sectionProblems(block: Record<string, unknown>, at: string): string[] {
  const problems: string[] = [];
  const text = textObject(block.text);
  const fields = Array.isArray(block.fields) ? block.fields : undefined;
  if (text === undefined && fields === undefined) {
    problems.push(`must provide either text or fields [json-pointer:${at}]`);
  }
  if (text !== undefined)
    problems.push(...lengthProblems(text.text, MAX_SECTION_TEXT_CHARS, `${at}/text/text`));
  if (fields !== undefined) {
    if (fields.length > MAX_SECTION_FIELDS) {
      problems.push(`no more than ${MAX_SECTION_FIELDS} items allowed [json-pointer:${at}/fields]`);
    }
    fields.forEach((field, j) => {
      const t = textObject(field);
      problems.push(...lengthProblems(t?.text, MAX_SECTION_FIELD_CHARS, `${at}/fields/${j}/text`));
    });
  }
  return problems;
}

function lengthProblems(text: unknown, max: number, pointer: string): string[] {
  if (typeof text !== 'string' || text.length === 0)
    return [`must be more than 0 characters [json-pointer:${pointer}]`];
  return text.length > max ? [`must be less than ${max + 1} characters [json-pointer:${pointer}]`] : [];
}

function textObject(value: unknown): { type: unknown; text: unknown } | undefined {
  return isRecord(value) ? { type: value.type, text: value.text } : undefined;
}

/** Characters in every `text` string anywhere in the blocks: what Slack's total limit counts. */
export function blockTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + blockTextLength(v), 0);
  if (!isRecord(value)) return 0;
  return Object.entries(value).reduce(
    (sum, [key, v]) => sum + (key === 'text' && typeof v === 'string' ? v.length : blockTextLength(v)),
    0,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
