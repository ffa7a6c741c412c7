/**
 * SQS stand-in for the notifier's dead-letter and deferral queues (tests, the local pipeline and
 * the `dlq` CLI): AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Operation>`), which
 * `@aws-sdk/client-sqs` 3.1169 speaks, with the body MD5s the client verifies. Unknown queues
 * answer `QueueDoesNotExist` like SQS.
 *
 * Operations and the SQS behaviour they keep (SQS Developer Guide and API Reference):
 *
 * | operation                          | modelled                                                                |
 * |------------------------------------|-------------------------------------------------------------------------|
 * | SendMessage                        | body MD5; message attributes kept with their DataType; `DelaySeconds`   |
 * |                                    | 0–900 (else `InvalidParameterValue`), else the queue's default delay    |
 * | ReceiveMessage                     | 1–10 messages, oldest first; each receive hides them for the visibility |
 * |                                    | timeout (the queue's, else 30 s), counts the receive, issues a new      |
 * |                                    | receipt handle; a message received `maxReceiveCount` times moves to the |
 * |                                    | queue's dead-letter queue on the next receive (redrive policy);         |
 * |                                    | system attributes and message attributes only when asked for by name or |
 * |                                    | `All`; `WaitTimeSeconds` long-polls until a message is visible          |
 * | DeleteMessage                      | needs the latest receipt handle: an older one succeeds but deletes      |
 * |                                    | nothing ("the request succeeds, but the message might not be deleted"); |
 * |                                    | an already deleted message succeeds; a handle never issued is           |
 * |                                    | `ReceiptHandleIsInvalid`                                                |
 * | ChangeMessageVisibility (+ Batch)  | 0–43,200 s from now; a message not in flight is `MessageNotInflight`    |
 * | DeleteMessageBatch                 | per-entry `Successful` / `Failed`, at most 10 entries                   |
 * | GetQueueAttributes                 | ApproximateNumberOfMessages (visible), …NotVisible, …Delayed,           |
 * |                                    | MessageRetentionPeriod, VisibilityTimeout, QueueArn                     |
 *
 * Not modelled: retention expiry, FIFO, and the sampling of short polls (every receive here sees
 * every server's messages, as a long poll does). Sources: docs/aws-sqs.md.
 *
 * Time is the injected clock (the local pipeline's virtual clock), so delays cost nothing.
 * `receiveDue` is the in-process twin of ReceiveMessage for the event source mapping
 * (sqs-event-source.ts), which builds Lambda's SQS event from what it returns.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  awsJsonError,
  awsJsonReply,
  createFaultQueue,
  jsonRpcOperation,
  parseJsonObject,
  sleep,
  startHttpServer,
  type FaultOptions,
  type HttpReply,
  type HttpRequest,
} from './http-server';

const JSON_1_0 = 'application/x-amz-json-1.0';
/** SQS defaults: a queue's VisibilityTimeout is 30 s, its retention 4 days (the stack sets 14). */
const DEFAULT_VISIBILITY_SECONDS = 30;
const DEFAULT_RETENTION_SECONDS = 345_600;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_BATCH = 10;
export const MAX_DELAY_SECONDS = 900;
export const MAX_RECEIVE = MAX_BATCH;

/** A message as the stand-in holds it (a copy: changing it changes nothing). */
export interface SqsMessage {
  messageId: string;
  body: string;
  /** Message attributes' string values. */
  attributes: Record<string, string | undefined>;
  /** Message attributes' data types (`String`, `Number`, …). */
  attributeTypes: Record<string, string>;
  md5OfBody: string;
  sentAt: number;
  /** Epoch ms from which it can be received. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  receiptHandle: string | undefined;
}

export interface QueueOptions {
  name: string;
  /** The queue's default `DelaySeconds`. */
  delaySeconds?: number;
  /** The queue's default visibility timeout (SQS: 30 s). */
  visibilityTimeoutSeconds?: number;
  /** Redrive policy: after `maxReceiveCount` receives the message moves to `queue`. */
  deadLetter?: { queue: string; maxReceiveCount: number };
}

export interface SqsFault {
  type: string;
  status: number;
}

export interface SqsServerOptions {
  queues: Array<string | QueueOptions>;
  /** MessageRetentionPeriod the queues report (SQS's default: 4 days). */
  retentionSeconds?: number;
  /** Milliseconds since the epoch (visibility timeouts, SentTimestamp). */
  now?: () => number;
  region?: string;
  account?: string;
}

export interface SqsServer {
  url: string;
  queueUrl(name: string): string;
  queueArn(name: string): string;
  /** Every message not yet deleted (visible, delayed or in flight), oldest first. */
  messages(name: string): SqsMessage[];
  /** Receives up to `max` visible messages, as ReceiveMessage would (redrive included). */
  receiveDue(name: string, max?: number): SqsMessage[];
  /** Deletes by the latest receipt handle; false when it names no message in flight. */
  delete(name: string, receiptHandle: string): boolean;
  /** Epoch ms at which the next message becomes visible, if any. */
  nextVisibleAt(name: string): number | undefined;
  failNext(fault: SqsFault, options?: FaultOptions<{ operation: string }>): void;
  close(): Promise<void>;
}

interface StoredAttribute {
  DataType: string;
  StringValue?: string;
}

interface StoredMessage {
  messageId: string;
  body: string;
  attributes: Record<string, StoredAttribute>;
  md5OfBody: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** The receipt handle of the latest receive; only it deletes. */
  receiptHandle: string | undefined;
}

interface Queue {
  settings: QueueOptions;
  name: string;
  messages: StoredMessage[];
}

class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export async function startSqsServer(options: SqsServerOptions): Promise<SqsServer> {
  const now = options.now ?? (() => Date.now());
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const queues = new Map<string, Queue>(
    options.queues.map((q) => {
      const settings = typeof q === 'string' ? { name: q } : q;
      return [settings.name, { settings, name: settings.name, messages: [] }];
    }),
  );
  /** Every receipt handle ever issued → its message id (to tell stale from invalid). */
  const issuedHandles = new Map<string, string>();
  const faults = createFaultQueue<SqsFault, { operation: string }>();

  function queueOf(body: Record<string, unknown>): Queue {
    const name = String(body.QueueUrl ?? '')
      .split('/')
      .pop();
    const queue = name === undefined ? undefined : queues.get(name);
    if (!queue) {
      throw new SqsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    }
    return queue;
  }

  function sendMessage(body: Record<string, unknown>) {
    const queue = queueOf(body);
    const text = String(body.MessageBody ?? '');
    if (text.length === 0) throw new SqsError('MissingParameter', 'The request must contain a MessageBody.');
    const delaySeconds =
      integerIn(body.DelaySeconds, 0, MAX_DELAY_SECONDS, 'DelaySeconds') ?? queue.settings.delaySeconds ?? 0;
    const attributes = (body.MessageAttributes ?? {}) as Record<string, StoredAttribute>;
    const sentAt = now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: text,
      attributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [
          k,
          { DataType: v.DataType, ...(v.StringValue === undefined ? {} : { StringValue: v.StringValue }) },
        ]),
      ),
      md5OfBody: md5(text),
      sentAt,
      visibleAt: sentAt + delaySeconds * 1000,
      receiveCount: 0,
      firstReceivedAt: undefined,
      receiptHandle: undefined,
    };
    queue.messages.push(message);
    return { MessageId: message.messageId, MD5OfMessageBody: md5(text) };
  }

  async function receiveMessage(body: Record<string, unknown>) {
    const queue = queueOf(body);
    const max = integerIn(body.MaxNumberOfMessages, 1, MAX_BATCH, 'MaxNumberOfMessages') ?? 1;
    const visibility = integerIn(body.VisibilityTimeout, 0, MAX_VISIBILITY_SECONDS, 'VisibilityTimeout');
    const waitSeconds = integerIn(body.WaitTimeSeconds, 0, 20, 'WaitTimeSeconds') ?? 0;
    const deadline = Date.now() + waitSeconds * 1000;
    let received = receive(queue, max, visibility);
    while (received.length === 0 && Date.now() < deadline) {
      await sleep(Math.min(50, deadline - Date.now()));
      received = receive(queue, max, visibility);
    }
    const systemNames = names(body.MessageSystemAttributeNames ?? body.AttributeNames);
    const attributeNames = names(body.MessageAttributeNames);
    const messages = received.map((message) => {
      const system = selected(systemAttributes(message), systemNames);
      const custom = selected(message.attributes, attributeNames);
      return {
        MessageId: message.messageId,
        ReceiptHandle: message.receiptHandle,
        MD5OfBody: message.md5OfBody,
        Body: message.body,
        ...(Object.keys(system).length > 0 ? { Attributes: system } : {}),
        ...(Object.keys(custom).length > 0
          ? { MessageAttributes: custom, MD5OfMessageAttributes: md5OfMessageAttributes(custom) }
          : {}),
      };
    });
    return messages.length > 0 ? { Messages: messages } : {};
  }

  /** Takes up to `max` visible messages in flight; redrives those received too often. */
  function receive(queue: Queue, max: number, visibilitySeconds: number | undefined): StoredMessage[] {
    const at = now();
    const timeout =
      visibilitySeconds ?? queue.settings.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS;
    const redrive = queue.settings.deadLetter;
    const out: StoredMessage[] = [];
    for (const message of visibleMessages(queue)) {
      if (out.length >= max) break;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        queue.messages.splice(queue.messages.indexOf(message), 1);
        queues.get(redrive.queue)?.messages.push({ ...message, visibleAt: at, receiptHandle: undefined });
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= at;
      message.visibleAt = at + timeout * 1000;
      message.receiptHandle = `${message.messageId}#${randomUUID()}`;
      issuedHandles.set(message.receiptHandle, message.messageId);
      out.push(message);
    }
    return out;
  }

  function visibleMessages(queue: Queue): StoredMessage[] {
    const at = now();
    return queue.messages.filter((m) => m.visibleAt <= at);
  }

  /** The message a receipt handle names, or why it names none (undefined: deleted already). */
  function byHandle(queue: Queue, handle: unknown): StoredMessage | undefined {
    const messageId = typeof handle === 'string' ? issuedHandles.get(handle) : undefined;
    if (messageId === undefined) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${String(handle)}" is not valid.`,
      );
    }
    return queue.messages.find((m) => m.messageId === messageId);
  }

  function deleteOne(queue: Queue, handle: unknown): void {
    const message = byHandle(queue, handle);
    // A stale handle (the message was received again since) deletes nothing, as SQS warns.
    if (message === undefined || message.receiptHandle !== handle) return;
    queue.messages.splice(queue.messages.indexOf(message), 1);
  }

  function changeVisibility(queue: Queue, handle: unknown, seconds: unknown): void {
    const message = byHandle(queue, handle);
    const timeout = integerIn(seconds, 0, MAX_VISIBILITY_SECONDS, 'VisibilityTimeout');
    if (timeout === undefined) throw new SqsError('MissingParameter', 'VisibilityTimeout is required.');
    if (message === undefined || message.receiptHandle !== handle || message.visibleAt <= now()) {
      throw new SqsError(
        'AWS.SimpleQueueService.MessageNotInflight',
        'The message referred to is not in flight.',
      );
    }
    message.visibleAt = now() + timeout * 1000;
  }

  function batch<E extends { Id?: unknown }>(body: Record<string, unknown>, run: (entry: E) => void) {
    const entries = (Array.isArray(body.Entries) ? body.Entries : []) as E[];
    if (entries.length === 0) {
      throw new SqsError('AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one entry.');
    }
    if (entries.length > MAX_BATCH) {
      throw new SqsError(
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are ${MAX_BATCH}.`,
      );
    }
    if (new Set(entries.map((e) => e.Id)).size !== entries.length) {
      throw new SqsError('AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'Two entries share an Id.');
    }
    const Successful: Array<{ Id: unknown }> = [];
    const Failed: Array<{ Id: unknown; SenderFault: boolean; Code: string; Message: string }> = [];
    for (const entry of entries) {
      try {
        run(entry);
        Successful.push({ Id: entry.Id });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        Failed.push({ Id: entry.Id, SenderFault: true, Code: error.type, Message: error.message });
      }
    }
    return { Successful, Failed };
  }

  function getQueueAttributes(body: Record<string, unknown>) {
    const queue = queueOf(body);
    const at = now();
    const all: Record<string, string> = {
      ApproximateNumberOfMessages: String(queue.messages.filter((m) => m.visibleAt <= at).length),
      ApproximateNumberOfMessagesNotVisible: String(
        queue.messages.filter((m) => m.visibleAt > at && m.receiveCount > 0).length,
      ),
      ApproximateNumberOfMessagesDelayed: String(
        queue.messages.filter((m) => m.visibleAt > at && m.receiveCount === 0).length,
      ),
      MessageRetentionPeriod: String(options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS),
      VisibilityTimeout: String(queue.settings.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS),
      DelaySeconds: String(queue.settings.delaySeconds ?? 0),
      QueueArn: `arn:aws:sqs:${region}:${account}:${queue.name}`,
    };
    return { Attributes: selected(all, names(body.AttributeNames)) };
  }

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    SendMessage: sendMessage,
    ReceiveMessage: receiveMessage,
    DeleteMessage: (body) => {
      deleteOne(queueOf(body), body.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch: (body) => {
      const queue = queueOf(body);
      return batch<{ Id?: unknown; ReceiptHandle?: unknown }>(body, (e) => deleteOne(queue, e.ReceiptHandle));
    },
    ChangeMessageVisibility: (body) => {
      changeVisibility(queueOf(body), body.ReceiptHandle, body.VisibilityTimeout);
      return {};
    },
    ChangeMessageVisibilityBatch: (body) => {
      const queue = queueOf(body);
      return batch<{ Id?: unknown; ReceiptHandle?: unknown; VisibilityTimeout?: unknown }>(body, (e) =>
        changeVisibility(queue, e.ReceiptHandle, e.VisibilityTimeout),
      );
    },
    GetQueueAttributes: getQueueAttributes,
  };

  async function handle(request: HttpRequest): Promise<HttpReply> {
    const operation = jsonRpcOperation(request, 'AmazonSQS') ?? '';
    const fault = faults.take({ operation });
    if (fault) return awsJsonError(fault.status, fault.type, 'injected fault', JSON_1_0);
    const run = operations[operation];
    if (!run) return awsJsonError(400, 'UnsupportedOperation', `${operation} is not supported`, JSON_1_0);
    try {
      return awsJsonReply(await run(parseJsonObject(request.body) ?? {}), JSON_1_0);
    } catch (error) {
      if (error instanceof SqsError) return awsJsonError(error.status, error.type, error.message, JSON_1_0);
      throw error;
    }
  }

  const server = await startHttpServer(handle);
  const snapshot = (m: StoredMessage): SqsMessage => ({
    messageId: m.messageId,
    body: m.body,
    attributes: Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, v.StringValue])),
    attributeTypes: Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, v.DataType])),
    md5OfBody: m.md5OfBody,
    sentAt: m.sentAt,
    visibleAt: m.visibleAt,
    receiveCount: m.receiveCount,
    firstReceivedAt: m.firstReceivedAt,
    receiptHandle: m.receiptHandle,
  });
  const known = (name: string): Queue => {
    const queue = queues.get(name);
    if (!queue) throw new Error(`the SQS stand-in has no queue "${name}"`);
    return queue;
  };
  return {
    url: server.url,
    queueUrl: (name) => `${server.url}/${account}/${name}`,
    queueArn: (name) => `arn:aws:sqs:${region}:${account}:${name}`,
    messages: (name) => (queues.get(name)?.messages ?? []).map(snapshot),
    receiveDue: (name, max = MAX_RECEIVE) =>
      receive(known(name), Math.min(max, MAX_RECEIVE), undefined).map(snapshot),
    delete: (name, receiptHandle) => {
      const queue = known(name);
      const before = queue.messages.length;
      try {
        deleteOne(queue, receiptHandle);
      } catch (error) {
        if (error instanceof SqsError) return false;
        throw error;
      }
      return queue.messages.length < before;
    },
    nextVisibleAt: (name) => {
      const times = (queues.get(name)?.messages ?? []).map((m) => m.visibleAt);
      return times.length === 0 ? undefined : Math.min(...times);
    },
    failNext: (fault, opts) => faults.add(fault, opts),
    close: server.close,
  };
}

/** The system attributes SQS returns (and Lambda's SQS event carries), as strings. */
export function systemAttributes(
  m: Pick<SqsMessage, 'sentAt' | 'receiveCount' | 'firstReceivedAt'>,
): Record<string, string> {
  return {
    SenderId: 'AIDALOCALSTANDIN',
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
  };
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * SQS's digest of message attributes: for each attribute in name order, the name, the data
 * type (each with a 4-byte big-endian length), a transport byte (1 = string) and the value.
 */
function md5OfMessageAttributes(attributes: Record<string, StoredAttribute>): string {
  const hash = createHash('md5');
  const field = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name]!;
    field(name);
    field(attribute.DataType);
    hash.update(Buffer.from([1]));
    field(attribute.StringValue ?? '');
  }
  return hash.digest('hex');
}

function names(value: unknown): Set<string> {
  return new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
}

function selected<T>(values: Record<string, T>, wanted: Set<string>): Record<string, T> {
  if (wanted.has('All') || wanted.has('.*')) return values;
  return Object.fromEntries(Object.entries(values).filter(([k]) => wanted.has(k)));
}

function integerIn(value: unknown, min: number, max: number, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SqsError('InvalidParameterValue', `Value ${String(value)} for parameter ${name} is invalid.`);
  }
  return value;
}
