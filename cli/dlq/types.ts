/**
 * The dead-letter queue as `npm run dlq` sees it: a message off the queue, and the one
 * normalised form every record format is read into (read-dead-letter.ts), whichever of the
 * four writers put it there. Field by field, so a reader of `list`, `show` or `--json` knows
 * what each value means and where it came from.
 */

/** One SQS message, as received (system and message attributes requested). */
export interface QueuedMessage {
  messageId: string;
  /** From the latest receive: the only handle that deletes or changes visibility. */
  receiptHandle: string;
  body: string;
  /** Message attributes (EventBridge's ERROR_CODE…, the notifier's `kind`), string values. */
  attributes: Record<string, string>;
  /** SQS `SentTimestamp`: when the message reached the queue. */
  sentAt: Date | undefined;
  /** SQS `ApproximateReceiveCount`, this receive included. */
  receiveCount: number | undefined;
}

/** Who gave up on the event and wrote the record. */
export type DeadLetterOrigin =
  /** The notifier itself, for a failure no retry can fix (functions/notifier/dead-letter.ts). */
  | 'notifier'
  /** Lambda's asynchronous invocation, after its retries or the maximum event age. */
  | 'lambda'
  /** EventBridge, when it could not deliver the event to the notifier at all. */
  | 'eventbridge'
  /** SQS, moving a deferred event the notifier kept failing off its deferral queue (redrive). */
  | 'deferral'
  /** A message this tool cannot read: shown as it is, never dropped, never replayed. */
  | 'unknown';

export interface DeadLetterReason {
  origin: DeadLetterOrigin;
  /**
   * The writer's own word for why: `PermanentFailure` (notifier), `RetriesExhausted` or
   * `EventAgeExceeded` (Lambda), EventBridge's ERROR_CODE (`NO_PERMISSIONS`, `THROTTLING`…),
   * `MaxReceiveCountExceeded` (the deferral queue's redrive), `UnknownFormat`.
   */
  condition: string;
  /** One line a person reads first (the error, or what the record lacks). */
  message: string;
  /** How often it was tried, in the writer's own unit (absent where the record does not say). */
  tries: { count: number; unit: 'invocations' | 'retries' | 'deferrals' } | undefined;
  /** When the writer gave up, where the record says so. */
  failedAt: Date | undefined;
  /** The rule, target or function the record names. */
  where: string | undefined;
}

/** The original EventBridge event, whole: what replay sends to the notifier again. */
export interface OriginalEvent {
  /** EventBridge's event id: the notifier's idempotency key (with the channel). */
  id: string;
  source: string;
  detailType: string;
  time: string;
  /** A short "what": alarm and state, group and Insight state, or rule of a test alert. */
  summary: string;
  value: Record<string, unknown>;
}

export interface DeadLetter {
  messageId: string;
  sentAt: Date | undefined;
  receiveCount: number | undefined;
  reason: DeadLetterReason;
  /** Present when the record carries the whole original event. */
  event: OriginalEvent | undefined;
  /** Why it cannot be replayed; undefined exactly when `event` is present. */
  notReplayable: string | undefined;
  /** The message as it was: the body (parsed when it is JSON) and its attributes. */
  raw: { body: unknown; attributes: Record<string, string> };
}
