/**
 * The X-Ray request rate of one enrichment: a reservation token bucket that adapts to
 * throttling (additive increase, multiplicative decrease, as the AWS SDK's `adaptive` retry
 * mode and TCP do).
 *
 * - Each call reserves the next free slot (`acquire`); callers waiting together are spaced
 *   1/rate apart instead of all waking at once.
 * - A ThrottledException halves the rate (not below MIN_RATE); each success gives back
 *   `configured / 20` a second, so the rate climbs back to the configured one in about 20 calls.
 * - A slot later than the deadline is refused: the caller stops and the enrichment continues in
 *   another invocation.
 *
 * Why a rate and not only backoff: X-Ray documents no GetTraceSummaries quota and its limit is
 * the account's, shared with the console and every other reader, so the notifier should ask at
 * a steady, configurable rate (`enrichment.xrayRequestsPerSecond`) and slow down when told to.
 */
import type { Clock, Sleep } from './ports';

export const MIN_RATE = 0.5;

export interface RequestRate {
  /** Waits for the next slot; false (at once) when it would come after `deadlineMs`. */
  acquire(deadlineMs: number): Promise<boolean>;
  throttled(): void;
  succeeded(): void;
  /** Requests a second now. */
  current(): number;
}

export function createRequestRate(configured: number, deps: { now: Clock; sleep: Sleep }): RequestRate {
  const max = Math.max(MIN_RATE, configured);
  let rate = max;
  // GCRA: the theoretical arrival time of the next request; one second's worth may go early.
  let tat = deps.now().getTime();
  return {
    async acquire(deadlineMs) {
      const now = deps.now().getTime();
      const interval = 1_000 / rate;
      const base = Math.max(tat, now);
      const allowAt = Math.max(now, base - (1_000 - interval));
      if (allowAt > deadlineMs) return false;
      tat = base + interval;
      if (allowAt > now) await deps.sleep(allowAt - now);
      return true;
    },
    throttled() {
      rate = Math.max(MIN_RATE, rate / 2);
      // No burst right after a throttle: the next slot is a full (new) interval away.
      tat = Math.max(tat, deps.now().getTime() + 1_000 / rate + (1_000 - 1_000 / rate));
    },
    succeeded() {
      rate = Math.min(max, rate + max / 20);
    },
    current: () => rate,
  };
}
