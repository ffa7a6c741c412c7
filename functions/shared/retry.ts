/**
 * One retry mechanism for every dependency the notifier calls: Slack (slack-retry.ts), X-Ray
 * (enrich.ts) and the incident store's optimistic writes (incidents/*). Each caller says only
 * what is worth retrying and how long it may wait; the loop, the backoff and the budget check
 * live here once, like Alertmanager's single RetryStage.
 *
 * | classify(error) says     | wait                                   | gives up (RetryGaveUp) when               |
 * |--------------------------|----------------------------------------|-------------------------------------------|
 * | `{ retry: false }`       | —                                      | at once: the error is rethrown as is      |
 * | `{ retry: true }`        | exponential from `baseMs`, capped at   | `maxAttempts` tries failed (`attempts`),  |
 * |                          | `maxMs`, equal jitter: [d/2, d)        | or the wait would not fit the budget      |
 * | `{ retry: true, waitMs }`| exactly `waitMs` (Slack's Retry-After) | (`budget`); both keep the last error      |
 *
 * Equal jitter (half fixed, half random) rather than full jitter: every wait makes progress,
 * and with `random` injected tests pin exact waits.
 *
 * Rejected: p-retry, cockatiel, exponential-backoff. They sleep on real timers (no injected
 * clock for the tests' virtual time), cannot wait an exact server-given delay, and have no
 * notion of a time budget shared with the rest of an invocation: what does not fit must fail
 * at once so the caller can defer or report it, not time out.
 */

export type Sleep = (ms: number) => Promise<void>;
/** Uniform in [0, 1), like `Math.random`. */
export type Random = () => number;

export interface RetryBudget {
  remainingMs(): number;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Failures with a computed backoff before giving up (server-given waits do not count). */
  maxAttempts: number;
}

export type RetryVerdict = { retry: false } | { retry: true; waitMs?: number };

export interface RetryOptions {
  policy: BackoffPolicy;
  classify: (error: unknown) => RetryVerdict;
  sleep: Sleep;
  random: Random;
  /** Without one, only `maxAttempts` bounds the loop. */
  budget?: RetryBudget;
  /** Called before each wait (a log line). */
  onRetry?: (info: { attempt: number; waitMs: number; error: unknown }) => void;
}

/** The loop stopped retrying a retryable failure; `cause` is the last error. */
export class RetryGaveUp extends Error {
  override readonly name = 'RetryGaveUp';
  constructor(
    readonly why: 'attempts' | 'budget',
    readonly attempts: number,
    /** The wait that was next (for `budget`: the one that did not fit). */
    readonly waitMs: number,
    readonly remainingMs: number,
    cause: unknown,
  ) {
    super(
      why === 'attempts'
        ? `gave up after ${attempts} attempts`
        : `waiting ${waitMs} ms more does not fit the ${remainingMs} ms left`,
      { cause },
    );
  }
}

export async function withRetry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy } = options;
  // Server-given waits (Retry-After) are bounded by the budget alone; backoffs also by count.
  let backoffs = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      const verdict = options.classify(error);
      if (!verdict.retry) throw error;
      const exact = verdict.waitMs;
      const waitMs = exact ?? backoffDelay(backoffs, options.random, policy);
      if (exact === undefined) backoffs++;
      const remainingMs = options.budget?.remainingMs() ?? Number.POSITIVE_INFINITY;
      if (exact === undefined && backoffs >= policy.maxAttempts) {
        throw new RetryGaveUp('attempts', backoffs, waitMs, remainingMs, error);
      }
      if (waitMs >= remainingMs) throw new RetryGaveUp('budget', attempt, waitMs, remainingMs, error);
      options.onRetry?.({ attempt, waitMs, error });
      await options.sleep(waitMs);
    }
  }
}

/** Exponential from `baseMs`, capped at `maxMs`, with equal jitter: [d/2, d). */
export function backoffDelay(
  attempt: number,
  random: Random,
  policy: Pick<BackoffPolicy, 'baseMs' | 'maxMs'>,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
