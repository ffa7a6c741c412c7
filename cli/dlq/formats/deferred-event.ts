/**
 * A deferred event that SQS moved from the notifier's deferral queue to its dead-letter queue:
 * the notifier deferred the event (functions/notifier/defer.ts: Slack's Retry-After, a claim
 * that did not fit), and then failed the deferred attempt on every receive, so the deferral
 * queue's redrive policy moved the message after `maxReceiveCount` receives
 * (`DEFERRAL_MAX_RECEIVES` in infra/constructs/notifier.ts). SQS moves the message as it is:
 * the body is the notifier's deferral record, with the original event whole, and the message
 * attributes `kind` and `attempt` come along (docs/dead-letters.md, §4).
 *
 * Marker: message attribute `kind`, or the body's `kind`, equal to `notifier-deferred-event`
 * (checked before the notifier's own records, which share the `notifier-` prefix).
 */
import { DEFERRED_KIND, deferredEventSchema, type DeferredEvent } from '../../../functions/notifier/defer';
import type { DeadLetterReason, QueuedMessage } from '../types';

export const deferredRecordSchema = deferredEventSchema;

export function isDeferredRecord(message: QueuedMessage, body: unknown): boolean {
  const kind =
    message.attributes.kind ??
    (typeof body === 'object' && body !== null && 'kind' in body ? String(body.kind) : undefined);
  return kind === DEFERRED_KIND;
}

/**
 * Tries are the notifier's deferrals, from the record: the message's receive count is no
 * measure here, as every `list` of the dead-letter queue is a receive too.
 */
export function deferredReason(record: DeferredEvent): DeadLetterReason {
  return {
    origin: 'deferral',
    condition: 'MaxReceiveCountExceeded',
    message: `deferred since ${record.firstDeferredAt}, then failed on every receive from the deferral queue (last deferral: ${record.reason})`,
    tries: { count: record.attempt, unit: 'deferrals' },
    failedAt: undefined,
    where: 'the notifier’s deferral queue',
  };
}

/** The event as the notifier first received it: what replay sends again. */
export function deferredEvent(record: DeferredEvent): { event: unknown } {
  return { event: record.event };
}
