import { describe, expect, it } from 'vitest';
import type { PageSummary, RunSummary } from '../local/summary';
import { aggregate, type RunOutcome } from './signal.bench';

const page = (over: Partial<PageSummary>): PageSummary =>
  ({
    ruleId: 'registered-user-faults',
    severity: 'page',
    notified: true,
    faults: ['f'],
    reportedUsers: ['a', 'b'],
    trueUsers: ['a', 'b', 'c', 'd'],
    partial: false,
    estimate: undefined,
    firstPageEstimate: undefined,
    ...over,
  }) as PageSummary;

function run(seed: number, pages: PageSummary[], over: Partial<RunSummary['signal']> = {}): RunOutcome {
  const summary = {
    ok: true,
    wallSeconds: 10 + seed,
    checks: [{ name: 'x', ok: seed !== 2, detail: '' }],
    faults: [{ firstPageAfterMs: 60_000 * seed }],
    pages,
    signal: {
      pagesPerFault: 1,
      onCallPagesPerFault: 1,
      missedFaults: 0,
      falsePages: 0,
      partialPages: 0,
      ...over,
    },
  } as unknown as RunSummary;
  return { scenario: 's', seed, summary, wallSeconds: 10 };
}

const estimate = (value: number, covered: boolean) => ({
  seen: 5,
  estimate: value,
  low: value - 1,
  high: value + 1,
  error: Math.abs(value - 4) / 4,
  covered,
});

describe('signal benchmark aggregation', () => {
  it('pools named users over runs, takes medians of times and estimate errors, and counts coverage per run', () => {
    const row = aggregate('s', [
      run(1, [page({ estimate: estimate(4, true), firstPageEstimate: estimate(8, false) })], {
        pagesPerFault: 2,
      }),
      run(
        2,
        [
          page({ reportedUsers: ['a', 'x'], estimate: estimate(6, false) }),
          page({ notified: false, reportedUsers: ['zzz'] }),
        ],
        {
          falsePages: 1,
          partialPages: 1,
        },
      ),
      run(3, [page({ estimate: estimate(5, true) })]),
    ]);
    expect(row).toMatchObject({
      runs: 3,
      pagesPerFault: 4 / 3,
      falsePages: 1,
      partialPages: 1,
      failedChecks: 1,
      firstPageSeconds: 120,
      // 5 of 6 named are true (x is not; the unsent page does not count); 5 of 12 true named.
      precision: 5 / 6,
      recall: 5 / 12,
      estimateError: 0.25,
      estimateCoverage: 2 / 3,
      firstPageEstimateError: 1,
      firstPageEstimateCoverage: 0,
      wallSeconds: 12,
    });
  });
});
