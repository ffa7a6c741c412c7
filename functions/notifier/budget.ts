/**
 * The invocation's time budget: Lambda's deadline minus a safety margin, read through the
 * injected clock so tests with a fake clock see it shrink as their fake sleeps advance.
 * Every wait (Slack backoff, Retry-After, waiting for a twin's thread root, the enrichment
 * follow-up) must fit in it; what does not fit becomes a RetryableError instead of a timeout,
 * because a timed-out invocation cannot release its delivery claims or say why it failed.
 */
import type { Clock } from './ports';

/** Kept back for releasing claims, recording the outcome and the dead-letter send. */
export const SAFETY_MARGIN_MS = 3_000;

export interface Budget {
  /** Milliseconds left before the safety margin; never negative. */
  remainingMs(): number;
}

export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

export function invocationBudget(
  context: LambdaContextLike,
  now: Clock,
  marginMs = SAFETY_MARGIN_MS,
): Budget {
  const deadline = now().getTime() + context.getRemainingTimeInMillis() - marginMs;
  return { remainingMs: () => Math.max(0, deadline - now().getTime()) };
}
