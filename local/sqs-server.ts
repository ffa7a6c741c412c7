/**
 * SQS stand-in (tests and the local pipeline) over AWS JSON 1.0 (`X-Amz-Target:
 * AmazonSQS.<Operation>`), which `@aws-sdk/client-sqs` 3.1169 speaks: `SendMessage`,
 * `ReceiveMessage`, `DeleteMessage`, with the body MD5 the client verifies. Unknown queues
 * answer `QueueDoesNotExist` like SQS.
 *
 * Semantics the notifier relies on, as SQS documents them (docs/aws-sqs.md):
 * - `DelaySeconds` (0–900, else `InvalidParameterValue`): the message is invisible until then;
 *   a queue may have a default delay;
 * - a received message is invisible for the visibility timeout, then delivered again with
 *   `ApproximateReceiveCount` + 1, until deleted by its receipt handle;
 * - redrive: after `maxReceiveCount` receives the message moves to the dead-letter queue;
 * - at most 10 messages per receive.
 *
 * Time is the injected clock (the local pipeline's virtual clock), so delays cost nothing.
 * `receiveDue` is the in-process twin of ReceiveMessage for the event source mapping
 * (sqs-event-source.ts), which builds the Lambda event from it.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  awsJsonError,
  awsJsonReply,
  createFaultQueue,
  jsonRpcOperation,
  parseJsonObject,
  startHttpServer,
  type FaultOptions,
  type HttpReply,
  type HttpRequest,
} from './http-server';

const JSON_1_0 = 'application/x-amz-json-1.0';
export const MAX_DELAY_SECONDS = 900;
export const MAX_RECEIVE = 10;
/** SQS's default visibility timeout. */
export const DEFAULT_VISIBILITY_SECONDS = 30;

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

export interface SqsFault {
  type: string;
  status: number;
}

export interface QueueOptions {
  name: string;
  delaySeconds?: number;
  visibilityTimeoutSeconds?: number;
  /** Redrive policy. */
  deadLetter?: { queue: string; maxReceiveCount: number };
}

export interface SqsServer {
  url: string;
  queueUrl(name: string): string;
  queueArn(name: string): string;
  /** Every message still in the queue (visible or not), oldest first. */
  messages(name: string): SqsMessage[];
  /** Receives up to `max` visible messages, as ReceiveMessage would. */
  receiveDue(name: string, max?: number): SqsMessage[];
  delete(name: string, receiptHandle: string): boolean;
  /** Epoch ms at which the next message becomes visible, if any. */
  nextVisibleAt(name: string): number | undefined;
  failNext(fault: SqsFault, options?: FaultOptions<{ operation: string }>): void;
  close(): Promise<void>;
}

export async function startSqsServer(options: {
  queues: Array<string | QueueOptions>;
  clock?: () => number;
  region?: string;
  account?: string;
}): Promise<SqsServer> {
  const clock = options.clock ?? Date.now;
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const config = new Map<string, QueueOptions>();
  const queues = new Map<string, SqsMessage[]>();
  for (const q of options.queues) {
    const queue = typeof q === 'string' ? { name: q } : q;
    config.set(queue.name, queue);
    queues.set(queue.name, []);
  }
  const faults = createFaultQueue<SqsFault, { operation: string }>();
  let base = '';

  function queueOf(url: unknown): [string, SqsMessage[]] | undefined {
    const name = String(url ?? '')
      .split('/')
      .pop();
    const queue = name === undefined ? undefined : queues.get(name);
    return queue && name ? [name, queue] : undefined;
  }

  function receive(name: string, max: number, visibilitySeconds?: number): SqsMessage[] {
    const queue = queues.get(name) ?? [];
    const now = clock();
    const settings = config.get(name);
    const out: SqsMessage[] = [];
    for (const message of [...queue]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      const redrive = settings?.deadLetter;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        queue.splice(queue.indexOf(message), 1);
        queues.get(redrive.queue)?.push({ ...message, visibleAt: now, receiptHandle: undefined });
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.receiptHandle = randomUUID();
      message.visibleAt =
        now + (visibilitySeconds ?? settings?.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS) * 1000;
      out.push({ ...message });
    }
    return out;
  }

  function remove(name: string, receiptHandle: string): boolean {
    const queue = queues.get(name) ?? [];
    const index = queue.findIndex((m) => m.receiptHandle === receiptHandle);
    if (index < 0) return false;
    queue.splice(index, 1);
    return true;
  }

  const nonExistent = () =>
    awsJsonError(
      400,
      'AWS.SimpleQueueService.NonExistentQueue',
      'The specified queue does not exist.',
      JSON_1_0,
    );

  function handle(request: HttpRequest): HttpReply {
    const operation = jsonRpcOperation(request, 'AmazonSQS') ?? '';
    const fault = faults.take({ operation });
    if (fault) return awsJsonError(fault.status, fault.type, 'injected fault', JSON_1_0);
    const body = parseJsonObject(request.body) ?? {};
    const target = queueOf(body.QueueUrl);
    if (!['SendMessage', 'ReceiveMessage', 'DeleteMessage'].includes(operation)) {
      return awsJsonError(400, 'UnsupportedOperation', `${operation} is not supported`, JSON_1_0);
    }
    if (!target) return nonExistent();
    const [name, queue] = target;

    if (operation === 'SendMessage') {
      const delay =
        body.DelaySeconds === undefined ? (config.get(name)?.delaySeconds ?? 0) : Number(body.DelaySeconds);
      if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) {
        return awsJsonError(
          400,
          'InvalidParameterValue',
          `Value ${String(body.DelaySeconds)} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`,
          JSON_1_0,
        );
      }
      const text = String(body.MessageBody ?? '');
      const attributes = (body.MessageAttributes ?? {}) as Record<
        string,
        { StringValue?: string; DataType?: string }
      >;
      const md5 = createHash('md5').update(text, 'utf8').digest('hex');
      const now = clock();
      const message: SqsMessage = {
        messageId: randomUUID(),
        body: text,
        attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v.StringValue])),
        attributeTypes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, v.DataType ?? 'String']),
        ),
        md5OfBody: md5,
        sentAt: now,
        visibleAt: now + delay * 1000,
        receiveCount: 0,
        firstReceivedAt: undefined,
        receiptHandle: undefined,
      };
      queue.push(message);
      return awsJsonReply({ MessageId: message.messageId, MD5OfMessageBody: md5 }, JSON_1_0);
    }

    if (operation === 'ReceiveMessage') {
      const max = body.MaxNumberOfMessages === undefined ? 1 : Number(body.MaxNumberOfMessages);
      if (!Number.isInteger(max) || max < 1 || max > MAX_RECEIVE) {
        return awsJsonError(
          400,
          'InvalidParameterValue',
          'MaxNumberOfMessages must be between 1 and 10',
          JSON_1_0,
        );
      }
      const visibility = body.VisibilityTimeout === undefined ? undefined : Number(body.VisibilityTimeout);
      const messages = receive(name, max, visibility);
      return awsJsonReply(
        {
          Messages: messages.map((m) => ({
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: m.md5OfBody,
            Body: m.body,
            Attributes: systemAttributes(m),
          })),
        },
        JSON_1_0,
      );
    }

    // DeleteMessage: an unknown or stale receipt handle is an error in SQS.
    if (!remove(name, String(body.ReceiptHandle ?? ''))) {
      return awsJsonError(400, 'ReceiptHandleIsInvalid', 'The input receipt handle is invalid.', JSON_1_0);
    }
    return awsJsonReply({}, JSON_1_0);
  }

  const server = await startHttpServer(handle);
  base = server.url;
  return {
    url: server.url,
    queueUrl: (name) => `${base}/${account}/${name}`,
    queueArn: (name) => `arn:aws:sqs:${region}:${account}:${name}`,
    messages: (name) => (queues.get(name) ?? []).map((m) => ({ ...m })),
    receiveDue: (name, max = MAX_RECEIVE) => receive(name, Math.min(max, MAX_RECEIVE)),
    delete: remove,
    nextVisibleAt: (name) => {
      const times = (queues.get(name) ?? []).map((m) => m.visibleAt);
      return times.length === 0 ? undefined : Math.min(...times);
    },
    failNext: (fault, opts) => faults.add(fault, opts),
    close: server.close,
  };
}

/** The system attributes SQS returns (and Lambda's SQS event carries), as strings. */
export function systemAttributes(m: SqsMessage): Record<string, string> {
  return {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: String(m.sentAt),
    SenderId: 'AIDALOCALSENDER',
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
  };
}
