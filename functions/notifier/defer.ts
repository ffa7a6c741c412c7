/**
 * Retries beyond one invocation. When a delivery cannot go now for a reason that says how
 * long to wait (Slack's Retry-After, a backoff or another invocation's claim that does not fit
 * the time left), the event goes to the notifier's deferral queue, an SQS queue whose messages
 * are delayed (`DelaySeconds`, at most 900) and consumed by the notifier itself, instead of
 * failing the invocation and spending one of Lambda's two async retries (a minute, then two).
 * What was done stays done (the email is never held back by Slack); the deferred attempt
 * replays the event and redoes only what is missing.
 *
 * | failure                                        | outcome                                      |
 * |------------------------------------------------|----------------------------------------------|
 * | retryable, with a wait (`retryAfterMs`)        | deferred by max(1 s, wait), at most 900 s    |
 * | the same, once the event has been deferred for | dead-lettered with the reason: a page that   |
 * | MAX_DEFERRAL_AGE_MS                            | late tells on-call nothing new               |
 * | retryable, no wait known                       | thrown: Lambda's async retry (or, for a      |
 * |                                                | deferred attempt, SQS redelivery)            |
 * | permanent                                      | dead-lettered (handle-event.ts)              |
 *
 * Why an SQS delay queue rather than an EventBridge Scheduler one-time schedule: no schedule
 * to create and delete per retry (and no role for Scheduler to assume), delivery and
 * redelivery are SQS's (visibility timeout, redrive to the dead-letter queue), partial batch
 * failures keep one bad record from holding back the others, and 900 s is enough: a longer
 * wait is a chain of delays. Scheduler would allow later times, which nothing here needs.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { errorName } from './aws-errors';
import { RetryableError } from './errors';

/** SQS's limit for `DelaySeconds`. */
export const MAX_DELAY_SECONDS = 900;
/** Same as the rule targets' and the async config's maximum event age. */
export const MAX_DEFERRAL_AGE_MS = 2 * 60 * 60_000;

export const DEFERRED_KIND = 'notifier-deferred-event';

export const deferredEventSchema = z.object({
  kind: z.literal(DEFERRED_KIND),
  /** The EventBridge event, exactly as first received. */
  event: z.unknown(),
  /** 1 for the first deferral. */
  attempt: z.number().int().min(1),
  firstDeferredAt: z.iso.datetime(),
  reason: z.string(),
});
export type DeferredEvent = z.infer<typeof deferredEventSchema>;

export function delaySecondsFor(retryAfterMs: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(retryAfterMs / 1000)));
}

export async function deferEvent(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  record: DeferredEvent,
  delaySeconds: number,
): Promise<void> {
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(record),
        DelaySeconds: delaySeconds,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: DEFERRED_KIND },
          attempt: { DataType: 'Number', StringValue: String(record.attempt) },
        },
      }),
    );
  } catch (error) {
    throw new RetryableError(`deferring the event failed: ${errorName(error)}`, { cause: error });
  }
}
