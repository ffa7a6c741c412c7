/**
 * The notifier's own dead-letter record (functions/notifier/dead-letter.ts): sent for a
 * failure no retry can fix, with the reason, the event as received, and the `kind` message
 * attribute that tells it apart. docs/dead-letters.md shows a sample.
 *
 * Marker: message attribute `kind`, or the body's `kind`, starting with `notifier-`. Any such
 * kind is read (a later kind of record still shows its reason); `notifier-permanent-failure`
 * is the one written today.
 */
import { z } from 'zod';
import type { DeadLetterReason, QueuedMessage } from '../types';

export const NOTIFIER_KIND_PREFIX = 'notifier-';

export const notifierRecordSchema = z.object({
  kind: z.string().startsWith(NOTIFIER_KIND_PREFIX),
  reason: z.string(),
  failedAt: z.iso.datetime({ offset: true }),
  // JSON drops an undefined requestId.
  requestId: z.string().optional(),
  event: z.unknown(),
  eventTruncated: z.boolean(),
});

export type NotifierRecord = z.output<typeof notifierRecordSchema>;

export function isNotifierRecord(message: QueuedMessage, body: unknown): boolean {
  const kind =
    message.attributes.kind ??
    (typeof body === 'object' && body !== null && 'kind' in body ? String(body.kind) : undefined);
  return kind !== undefined && kind.startsWith(NOTIFIER_KIND_PREFIX);
}

export function notifierReason(record: NotifierRecord): DeadLetterReason {
  return {
    origin: 'notifier',
    condition: record.kind === 'notifier-permanent-failure' ? 'PermanentFailure' : record.kind,
    message: record.reason,
    tries: undefined,
    failedAt: new Date(record.failedAt),
    where: record.requestId === undefined ? undefined : `notifier request ${record.requestId}`,
  };
}

/** The event to replay, or why there is none. */
export function notifierEvent(record: NotifierRecord): { event: unknown } | { problem: string } {
  if (record.eventTruncated) {
    return {
      problem:
        'the event was larger than an SQS message, so the notifier kept only its first bytes; find it whole in the notifier log by the request id',
    };
  }
  return { event: record.event };
}
