import { describe, expect, it } from 'vitest';
import { EMPTY_IMPACT, impactSchema, mergeImpact } from '../shared/incidents/model';
import type { Enrichment } from './enrichment';
import { impactOf } from './impact';
import { enrichmentOf } from './test-support';

const estimated = (estimate: number, seen = 6) => ({
  seen,
  estimate,
  low: estimate - 40,
  high: estimate + 50,
  samplingRate: 0.05,
});

const enrichment = (over: Partial<Enrichment>) =>
  enrichmentOf({
    distinctUsers: 6,
    usersSeenOnce: 5,
    usersSeenTwice: 1,
    anonymousRequests: 2,
    totalTraces: 9,
    faults: 9,
    tracesProcessed: 9,
    pages: 1,
    ...over,
  });

describe('the impact an incident keeps', () => {
  it('carries the estimate under sampling, in the stored shape, and nothing at full sampling', () => {
    const sampled = impactOf(
      enrichment({ estimate: { method: 'chao1', seenOnce: 5, seenTwice: 1, ...estimated(190) } }),
    );
    expect(sampled.estimate).toEqual(estimated(190));
    expect(impactSchema.parse(sampled)).toEqual(sampled);
    expect(impactOf(enrichment({})).estimate).toBeUndefined();
    expect('estimate' in impactOf(enrichment({}))).toBe(false);
  });

  it('keeps the best-informed estimate across events (most users seen), not the highest', () => {
    const firstPage = { ...EMPTY_IMPACT, affectedUsers: 6, estimate: estimated(700, 6) };
    const resolve = { ...EMPTY_IMPACT, affectedUsers: 80, estimate: estimated(190, 80) };
    expect(mergeImpact(firstPage, resolve)).toMatchObject({
      affectedUsers: 80,
      estimate: estimated(190, 80),
    });
    expect(mergeImpact(resolve, firstPage).estimate).toEqual(estimated(190, 80));
    // Ties go to the newer event.
    expect(mergeImpact(resolve, { ...resolve, estimate: estimated(200, 80) }).estimate).toEqual(
      estimated(200, 80),
    );
    expect(mergeImpact(EMPTY_IMPACT, resolve).estimate).toEqual(estimated(190, 80));
    expect('estimate' in mergeImpact(EMPTY_IMPACT, EMPTY_IMPACT)).toBe(false);
  });
});
