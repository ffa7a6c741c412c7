import { describe, expect, it } from 'vitest';
import { backoffDelay, RetryGaveUp, withRetry, type RetryOptions } from './retry';

function harness(budgetMs = Number.POSITIVE_INFINITY) {
  let now = 0;
  const sleeps: number[] = [];
  const options = (classify: RetryOptions['classify']): RetryOptions => ({
    policy: { baseMs: 100, maxMs: 1_000, maxAttempts: 4 },
    classify,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0,
    budget: { remainingMs: () => budgetMs - now },
  });
  return { sleeps, options };
}

describe('withRetry', () => {
  it('backs off exponentially with equal jitter until the call succeeds', async () => {
    const h = harness();
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 4) throw new Error('flaky');
        return calls;
      },
      h.options(() => ({ retry: true })),
    );
    expect(result).toBe(4);
    expect(h.sleeps).toEqual([50, 100, 200]);
  });

  it('gives up after maxAttempts backoffs, keeping the last error', async () => {
    const h = harness();
    const last = new Error('still down');
    const failure = withRetry(
      async () => Promise.reject(last),
      h.options(() => ({ retry: true })),
    );
    await expect(failure).rejects.toBeInstanceOf(RetryGaveUp);
    await expect(failure).rejects.toMatchObject({ why: 'attempts', attempts: 4, cause: last });
    expect(h.sleeps).toEqual([50, 100, 200]);
  });

  it('waits exactly a server-given delay, bounded by the budget alone', async () => {
    const h = harness(10_000);
    let calls = 0;
    const failure = withRetry(
      async () => {
        calls++;
        throw new Error('429');
      },
      h.options(() => ({ retry: true, waitMs: 3_000 })),
    );
    await expect(failure).rejects.toMatchObject({ why: 'budget', waitMs: 3_000, remainingMs: 1_000 });
    expect(h.sleeps).toEqual([3_000, 3_000, 3_000]);
    expect(calls).toBe(4);
  });

  it('rethrows what is not worth retrying, untouched', async () => {
    const h = harness();
    const bug = new TypeError('bug');
    await expect(
      withRetry(
        async () => Promise.reject(bug),
        h.options(() => ({ retry: false })),
      ),
    ).rejects.toBe(bug);
    expect(h.sleeps).toEqual([]);
  });

  it('caps the backoff and spreads it over [d/2, d)', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect(backoffDelay(0, () => 0, policy)).toBe(50);
    expect(backoffDelay(20, () => 0.999, policy)).toBeLessThanOrEqual(1_000);
    expect(backoffDelay(20, () => 0, policy)).toBe(500);
  });
});
