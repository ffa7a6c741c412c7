/**
 * The invocation's outcome policy, kept out of handler.ts so it runs in tests with injected
 * clients: process the event within the invocation's budget; a PermanentError goes to the
 * dead-letter queue with its reason and the invocation *succeeds* (retrying cannot help and
 * would only delay the DLQ); a retryable failure that says how long to wait is deferred
 * (defer.ts); anything else is thrown so Lambda's async retry runs.
 *
 * Deferred events come back through SQS (`handleDeferredBatch`): each record is one event,
 * processed the same way; a record that throws is reported in `batchItemFailures`, so SQS
 * redelivers just that one after its visibility timeout.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { invocationBudget, type LambdaContextLike } from './budget';
import { deadLetterRecord, sendToDeadLetter } from './dead-letter';
import {
  deferEvent,
  DEFERRED_KIND,
  deferredEventSchema,
  delaySecondsFor,
  MAX_DEFERRAL_AGE_MS,
  type DeferredEvent,
} from './defer';
import { PermanentError, RetryableError } from './errors';
import { processEvent, type ProcessDeps, type ProcessResult } from './process-event';

export interface HandleDeps extends ProcessDeps {
  sqs: Pick<SQSClient, 'send'>;
  deadLetterQueueUrl: string;
  /** Undefined: nothing is deferred; waits that do not fit fail the invocation retryably. */
  deferralQueueUrl?: string | undefined;
}

export type HandleResult =
  | ProcessResult
  | { kind: 'dead-lettered'; reason: string }
  | { kind: 'deferred'; delaySeconds: number; attempt: number; reason: string };

/** Where the event stands if it was deferred before. */
export interface DeferredAttempt {
  attempt: number;
  firstDeferredAt: Date;
}

export interface InvocationContext extends LambdaContextLike {
  awsRequestId?: string;
}

export async function handleEvent(
  event: unknown,
  context: InvocationContext,
  deps: HandleDeps,
  deferred?: DeferredAttempt,
): Promise<HandleResult> {
  const budget = invocationBudget(context, deps.now);
  try {
    const result = await processEvent(event, budget, deps, { owner: context.awsRequestId ?? randomUUID() });
    if (result.kind === 'processed' && result.continueAfterMs !== undefined) {
      return await continueLater(event, result.continueAfterMs, deps, deferred);
    }
    return result;
  } catch (thrown) {
    let error = thrown;
    if (error instanceof RetryableError && error.retryAfterMs !== undefined && deps.deferralQueueUrl) {
      const now = deps.now();
      const first = deferred?.firstDeferredAt ?? now;
      const delaySeconds = delaySecondsFor(error.retryAfterMs);
      if (now.getTime() - first.getTime() + delaySeconds * 1000 <= MAX_DEFERRAL_AGE_MS) {
        const record: DeferredEvent = {
          kind: DEFERRED_KIND,
          event,
          attempt: (deferred?.attempt ?? 0) + 1,
          firstDeferredAt: first.toISOString(),
          reason: error.reason,
        };
        await deferEvent(deps.sqs, deps.deferralQueueUrl, record, delaySeconds);
        deps.logger.warn('delivery deferred: retrying in a later invocation', {
          reason: error.reason,
          delaySeconds,
          attempt: record.attempt,
          eventId: eventIdOf(event),
        });
        return { kind: 'deferred', delaySeconds, attempt: record.attempt, reason: error.reason };
      }
      error = new PermanentError(
        `${error.reason}; still failing after deferring for ${Math.round((now.getTime() - first.getTime()) / 60_000)} min`,
        { cause: error },
      );
    }
    if (!(error instanceof PermanentError)) {
      deps.logger.warn('event failed; Lambda will retry it', {
        reason: error instanceof Error ? error.message : String(error),
        eventId: eventIdOf(event),
      });
      throw error;
    }
    deps.logger.error('event failed permanently; sent to the dead-letter queue', {
      reason: error.reason,
      eventId: eventIdOf(event),
    });
    await sendToDeadLetter(
      deps.sqs,
      deps.deadLetterQueueUrl,
      deadLetterRecord(event, error.reason, deps.now(), context.awsRequestId),
    );
    return { kind: 'dead-lettered', reason: error.reason };
  }
}

/**
 * The users are still being read (enrich-stage.ts): the event goes to the deferral queue and
 * the next invocation reads on. Everything that had to be sent is sent; what is left is the
 * list. Past MAX_DEFERRAL_AGE_MS the reading stops where it is (the root says partial): no dead
 * letter, since no page is missing.
 */
async function continueLater(
  event: unknown,
  afterMs: number,
  deps: HandleDeps,
  deferred: DeferredAttempt | undefined,
): Promise<HandleResult> {
  const reason = 'enrichment continues: users still being read';
  const now = deps.now();
  const first = deferred?.firstDeferredAt ?? now;
  const delaySeconds = delaySecondsFor(afterMs);
  if (!deps.deferralQueueUrl || now.getTime() - first.getTime() + delaySeconds * 1000 > MAX_DEFERRAL_AGE_MS) {
    deps.logger.warn('enrichment stopped before reading every trace: no more continuations', {
      eventId: eventIdOf(event),
      deferralQueue: deps.deferralQueueUrl !== undefined,
    });
    return {
      kind: 'deferred',
      delaySeconds: 0,
      attempt: deferred?.attempt ?? 0,
      reason: `${reason} (stopped)`,
    };
  }
  const record: DeferredEvent = {
    kind: DEFERRED_KIND,
    event,
    attempt: (deferred?.attempt ?? 0) + 1,
    firstDeferredAt: first.toISOString(),
    reason,
  };
  await deferEvent(deps.sqs, deps.deferralQueueUrl, record, delaySeconds);
  deps.logger.info('enrichment continues in a later invocation', {
    delaySeconds,
    attempt: record.attempt,
    eventId: eventIdOf(event),
  });
  return { kind: 'deferred', delaySeconds, attempt: record.attempt, reason };
}

/** SQS → Lambda: the deferral queue's records, each one deferred event. */
export async function handleDeferredBatch(
  batch: SQSEvent,
  context: InvocationContext,
  deps: HandleDeps,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of batch.Records) {
    let parsed: DeferredEvent;
    try {
      parsed = deferredEventSchema.parse(JSON.parse(record.body));
    } catch (error) {
      // Not ours to retry: park it with the reason, and let the batch go on.
      deps.logger.error('deferral queue record is not a deferred event; dead-lettered', {
        messageId: record.messageId,
      });
      const reason = `deferral queue record ${record.messageId}: ${error instanceof Error ? error.message : String(error)}`;
      await sendToDeadLetter(
        deps.sqs,
        deps.deadLetterQueueUrl,
        deadLetterRecord(record.body, reason, deps.now(), context.awsRequestId),
      );
      continue;
    }
    try {
      await handleEvent(parsed.event, context, deps, {
        attempt: parsed.attempt,
        firstDeferredAt: new Date(parsed.firstDeferredAt),
      });
    } catch {
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

export function isSqsEvent(event: unknown): event is SQSEvent {
  if (typeof event !== 'object' || event === null || !('Records' in event) || !Array.isArray(event.Records)) {
    return false;
  }
  return event.Records.every(
    (r: unknown) => typeof r === 'object' && r !== null && 'eventSource' in r && r.eventSource === 'aws:sqs',
  );
}

function eventIdOf(event: unknown): string | undefined {
  return typeof event === 'object' && event !== null && 'id' in event && typeof event.id === 'string'
    ? event.id
    : undefined;
}
