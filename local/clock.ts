/**
 * The local pipeline's virtual clock: `@sinonjs/fake-timers` installed on `Date` only.
 *
 * Why only `Date`: timers, sockets and the SDKs' retry sleeps must stay real or nothing that
 * talks over loopback would ever complete; but everything that *reads* the time (X-Ray SDK
 * segment timestamps, JWT `exp` checks, the handlers' `now()`, alarm evaluation, the notifier's
 * incident store) calls `Date`, so it all lives in virtual time. The scenario jumps the clock
 * forward between requests, which is how minutes of traffic take seconds of wall time.
 *
 * With `flow` on (the default), wall time also passes on the virtual clock, so a handler that
 * takes 4 ms has a 4 ms segment and the notifier's enrichment budget runs out as it would in
 * Lambda. Without it the clock stands still between explicit moves (what unit tests want).
 */
import FakeTimers from '@sinonjs/fake-timers';
import { performance } from 'node:perf_hooks';

export interface VirtualClock {
  /** Virtual epoch milliseconds (the same value `Date.now()` returns while installed). */
  now(): number;
  date(): Date;
  /** Moves the clock to `at`; refuses to go back, which would make traces end before they start. */
  setSystemTime(at: number | Date): void;
  /** Moves the clock forward by `ms` virtual milliseconds. */
  advance(ms: number): void;
  /**
   * Until the returned release is called, lets at most `maxMs` of wall time flow onto the clock
   * (explicit moves still count in full). For work whose virtual duration must not depend on
   * how busy the machine is: a shopper's request stalled for 3 s of wall time on a loaded
   * machine would otherwise become a slow request that pages someone.
   */
  limitFlow(maxMs: number): () => void;
  /** Restores the real `Date`. Idempotent. */
  uninstall(): void;
}

export interface VirtualClockOptions {
  start: number | Date;
  /** Let wall time pass on the virtual clock too (default true). */
  flow?: boolean;
  /** How often flowing wall time is added, in real milliseconds (default 2). */
  flowEveryMs?: number;
}

export function installVirtualClock(options: VirtualClockOptions): VirtualClock {
  const fake = FakeTimers.install({ now: options.start, toFake: ['Date'] });
  let installed = true;
  let ticker: NodeJS.Timeout | undefined;
  let limit: { left: number } | undefined;

  // Measured elapsed wall time rather than a fixed delta per tick: a busy event loop delays
  // the ticker, and virtual time must not fall behind the wall when it does.
  if (options.flow ?? true) {
    let last = performance.now();
    ticker = setInterval(() => {
      const current = performance.now();
      const elapsed = Math.floor(current - last);
      if (elapsed <= 0) return;
      last += elapsed;
      const flowing = limit ? Math.min(elapsed, limit.left) : elapsed;
      if (limit) limit.left -= flowing;
      if (flowing > 0) fake.tick(flowing);
    }, options.flowEveryMs ?? 2);
    // The clock alone must never keep the process alive.
    ticker.unref();
  }

  function advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
    if (ms > 0) fake.tick(ms);
  }

  return {
    now: () => fake.now,
    date: () => new Date(fake.now),
    setSystemTime(at) {
      const target = typeof at === 'number' ? at : at.getTime();
      if (target < fake.now) {
        throw new RangeError(
          `the virtual clock only moves forward (now ${new Date(fake.now).toISOString()}, asked for ${new Date(target).toISOString()})`,
        );
      }
      advance(target - fake.now);
    },
    advance,
    limitFlow(maxMs) {
      const own = { left: Math.max(0, maxMs) };
      limit = own;
      return () => {
        if (limit === own) limit = undefined;
      };
    },
    uninstall() {
      if (!installed) return;
      installed = false;
      if (ticker) clearInterval(ticker);
      fake.uninstall();
    },
  };
}
