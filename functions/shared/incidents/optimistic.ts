/**
 * Optimistic writes (read → change → conditional put), retried on contention through the
 * shared retry loop (functions/shared/retry.ts): a short jittered backoff, then
 * IncidentConflictError, which callers treat as retryable.
 */
import { RetryGaveUp, withRetry, type Random, type Sleep } from '../retry';

/** The store gave up on a contended update; retryable by nature. */
export class IncidentConflictError extends Error {
  override readonly name = 'IncidentConflictError';
}

/** `attempt` returns undefined when its conditional write lost a race. */
export type Optimistic = <T>(what: string, attempt: () => Promise<T | undefined>) => Promise<T>;

export interface OptimisticOptions {
  sleep: Sleep;
  random: Random;
  /** @default 25 */
  maxAttempts?: number;
}

/** Contention backoff: 10 ms doubling to 200 ms, with equal jitter. */
export const CONTENTION_BACKOFF = { baseMs: 10, maxMs: 200 };

class Contended extends Error {}

export function optimistic(options: OptimisticOptions): Optimistic {
  const policy = { ...CONTENTION_BACKOFF, maxAttempts: options.maxAttempts ?? 25 };
  return async (what, attempt) => {
    try {
      return await withRetry(
        async () => {
          const result = await attempt();
          if (result === undefined) throw new Contended();
          return result;
        },
        {
          policy,
          classify: (error) => ({ retry: error instanceof Contended }),
          sleep: options.sleep,
          random: options.random,
        },
      );
    } catch (error) {
      if (error instanceof RetryGaveUp) {
        throw new IncidentConflictError(`${what}: the item kept changing (${error.attempts} attempts)`);
      }
      throw error;
    }
  };
}
