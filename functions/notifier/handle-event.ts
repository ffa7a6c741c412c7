/**
 * The invocation's outcome policy, kept out of handler.ts so it runs in tests with injected
 * clients: process the event within the invocation's budget; a PermanentError goes to the
 * dead-letter queue with its reason and the invocation *succeeds* (retrying cannot help and
 * would only delay the DLQ); anything else is thrown so Lambda's async retry runs.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { invocationBudget, type LambdaContextLike } from './budget';
import { deadLetterRecord, sendToDeadLetter } from './dead-letter';
import { PermanentError } from './errors';
import { processEvent, type ProcessDeps, type ProcessResult } from './process-event';

export interface HandleDeps extends ProcessDeps {
  sqs: Pick<SQSClient, 'send'>;
  deadLetterQueueUrl: string;
}

export type HandleResult = ProcessResult | { kind: 'dead-lettered'; reason: string };

export interface InvocationContext extends LambdaContextLike {
  awsRequestId?: string;
}

export async function handleEvent(
  event: unknown,
  context: InvocationContext,
  deps: HandleDeps,
): Promise<HandleResult> {
  const budget = invocationBudget(context, deps.now);
  try {
    return await processEvent(event, budget, deps, { owner: context.awsRequestId ?? randomUUID() });
  } catch (error) {
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

function eventIdOf(event: unknown): string | undefined {
  return typeof event === 'object' && event !== null && 'id' in event && typeof event.id === 'string'
    ? event.id
    : undefined;
}
