/**
 * The notifier's two failure kinds. The split decides where an event goes next:
 * a {@link RetryableError} is thrown so Lambda's async retry (and EventBridge's) tries again;
 * a {@link PermanentError} is thrown for an event that can never succeed (our own event,
 * malformed), so retrying would only delay its arrival in the DLQ.
 */

export interface NotifierErrorOptions {
  cause?: unknown;
  /**
   * The dependency said how long to wait (Slack's Retry-After) or the backoff that did not fit:
   * what deferral (defer.ts) needs to schedule the retry.
   */
  retryAfterMs?: number;
}

/** An event of ours that can never be processed. Goes to the DLQ with `reason`; never retried. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  /** Which field and why, in one line: the DLQ reader sees this first. */
  readonly reason: string;

  constructor(reason: string, options: NotifierErrorOptions = {}) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

/** A transient failure (a dependency throttled or was down): the same event may succeed later. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly reason: string;
  readonly retryAfterMs: number | undefined;

  constructor(reason: string, options: NotifierErrorOptions = {}) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isPermanentError(error: unknown): error is PermanentError {
  return error instanceof PermanentError;
}

export function isRetryableError(error: unknown): error is RetryableError {
  return error instanceof RetryableError;
}
