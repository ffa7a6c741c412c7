/**
 * The dead-letter queue through SQS, for a reader that must not lose anything: SQS has no
 * "peek", so reading means receiving, which hides a message for a visibility timeout. Every
 * command therefore hides what it reads, and gives back (visibility 0) what it does not
 * delete, so the next `list` sees everything again; if the CLI dies, SQS gives the messages
 * back on its own when the timeout ends. A message is deleted only with the receipt handle of
 * its latest receive (SQS ignores a stale one), and only after its replay succeeded.
 *
 * Rejected: SQS's own DLQ redrive (`StartMessageMoveTask`) moves messages to a source
 * *queue*; the notifier's events came from EventBridge and Lambda, not from a queue.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueuedMessage } from './types';

/** SQS's maximum per ReceiveMessage and per batch call. */
const SQS_BATCH = 10;

export interface QueueCounts {
  /** ApproximateNumberOfMessages: visible now. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: held by another reader (or a replay under way). */
  inFlight: number;
  /** MessageRetentionPeriod: SQS deletes a message this long after it arrived. */
  retentionSeconds: number | undefined;
}

/** What the commands need from the queue (declared, so tests and readers see the contract). */
export interface DeadLetterQueue {
  readonly url: string;
  /** The queue's name (last segment of its URL). */
  readonly name: string;
  /** Up to 10 visible messages, hidden for `hideSeconds`. */
  receiveBatch(hideSeconds: number): Promise<QueuedMessage[]>;
  /** Every visible message (up to `limit`), each hidden for `hideSeconds`; no duplicates. */
  receiveAll(hideSeconds: number, limit?: number): Promise<QueuedMessage[]>;
  delete(message: QueuedMessage): Promise<void>;
  /** Makes messages visible again; ones already visible or deleted are fine. */
  release(messages: readonly QueuedMessage[]): Promise<void>;
  counts(): Promise<QueueCounts>;
}

export interface QueueOptions {
  /** ReceiveMessage `WaitTimeSeconds`: a long poll asks every SQS server, a short one samples. */
  waitSeconds: number;
}

export function sqsDeadLetterQueue(
  sqs: Pick<SQSClient, 'send'>,
  url: string,
  options: QueueOptions,
): DeadLetterQueue {
  const queue: DeadLetterQueue = {
    url,
    name: url.split('/').pop() ?? url,

    async receiveBatch(hideSeconds) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: SQS_BATCH,
          VisibilityTimeout: hideSeconds,
          WaitTimeSeconds: options.waitSeconds,
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
      return (out.Messages ?? []).map(queuedMessage);
    },

    async receiveAll(hideSeconds, limit = 1_000) {
      const seen = new Map<string, QueuedMessage>();
      while (seen.size < limit) {
        const batch = await queue.receiveBatch(hideSeconds);
        const fresh = batch.filter((m) => !seen.has(m.messageId));
        // A repeat (its timeout ended mid-read) keeps the newest handle: only it deletes.
        for (const m of batch) seen.set(m.messageId, m);
        if (fresh.length === 0) break;
      }
      return [...seen.values()];
    },

    async delete(message) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.receiptHandle }));
    },

    async release(messages) {
      for (let i = 0; i < messages.length; i += SQS_BATCH) {
        const chunk = messages.slice(i, i + SQS_BATCH);
        // Per-entry failures are messages already visible (timeout over) or deleted: nothing to give back.
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: chunk.map((m, n) => ({
              Id: String(n),
              ReceiptHandle: m.receiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      }
    },

    async counts() {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'MessageRetentionPeriod',
          ],
        }),
      );
      const number = (name: string) => {
        const value = out.Attributes?.[name as keyof typeof out.Attributes];
        return value === undefined ? undefined : Number(value);
      };
      return {
        visible: number('ApproximateNumberOfMessages') ?? 0,
        inFlight: number('ApproximateNumberOfMessagesNotVisible') ?? 0,
        retentionSeconds: number('MessageRetentionPeriod'),
      };
    },
  };
  return queue;
}

function queuedMessage(message: Message): QueuedMessage {
  const attributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) =>
      value.StringValue === undefined ? [] : [[name, value.StringValue]],
    ),
  );
  const sent = message.Attributes?.SentTimestamp;
  const received = message.Attributes?.ApproximateReceiveCount;
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    sentAt: sent === undefined ? undefined : new Date(Number(sent)),
    receiveCount: received === undefined ? undefined : Number(received),
  };
}
