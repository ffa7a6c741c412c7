/**
 * Parks an event that can never succeed in the dead-letter queue, with the reason, so the
 * invocation can end normally instead of being retried until Lambda gives up. The same queue
 * receives Lambda's on-failure records (retries exhausted) and EventBridge's undeliverable
 * events; the `kind` attribute tells the notifier's own records apart.
 *
 * A failed send is thrown (retryable): losing a permanent failure silently would be worse
 * than one more attempt.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { errorName } from './aws-errors';
import { RetryableError } from './errors';

/** SQS's classic message limit; larger events are kept as a prefix. */
export const MAX_DLQ_BODY_BYTES = 256 * 1024;
const EVENT_ROOM_BYTES = MAX_DLQ_BODY_BYTES - 8 * 1024;

export interface DeadLetterRecord {
  kind: 'notifier-permanent-failure';
  reason: string;
  failedAt: string;
  requestId: string | undefined;
  /** The event as received, or (when too large) its first bytes as text. */
  event: unknown;
  eventTruncated: boolean;
}

export function deadLetterRecord(
  event: unknown,
  reason: string,
  failedAt: Date,
  requestId: string | undefined,
): DeadLetterRecord {
  const text = JSON.stringify(event) ?? 'undefined';
  const fits = Buffer.byteLength(text, 'utf8') <= EVENT_ROOM_BYTES;
  return {
    kind: 'notifier-permanent-failure',
    reason,
    failedAt: failedAt.toISOString(),
    requestId,
    event: fits ? event : Buffer.from(text, 'utf8').subarray(0, EVENT_ROOM_BYTES).toString('utf8'),
    eventTruncated: !fits,
  };
}

export async function sendToDeadLetter(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  record: DeadLetterRecord,
): Promise<void> {
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(record),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: record.kind },
          reason: { DataType: 'String', StringValue: record.reason.slice(0, 1024) },
        },
      }),
    );
  } catch (error) {
    throw new RetryableError(`dead-letter send failed: ${errorName(error)}`, { cause: error });
  }
}
