import { describe, expect, it } from 'vitest';
import { EMPTY_IMPACT, impactSchema, mergeImpact } from '../shared/incidents/model';
import type { Enrichment } from './enrichment';
import { impactOf } from './impact';

const estimated = (estimate: number) => ({
  seen: 6,
  estimate,
  low: estimate - 40,
  high: estimate + 50,
  samplingRate: 0.05,
});

function enrichment(over: Partial<Enrichment>): Enrichment {
  return {
    status: 'complete',
    reason: undefined,
    query: {
      startTime: new Date(0),
      endTime: new Date(1),
      filterExpression: 'fault',
      timeRangeType: 'Event',
    },
    users: [],
    distinctUsers: 6,
    distinctUsersCapped: false,
    usersSeenOnce: 5,
    usersSeenTwice: 1,
    overflowRequests: 0,
    overflowFaults: 0,
    anonymousRequests: 2,
    anonymousFaults: 0,
    unattributedTraces: 0,
    unattributedFaults: 0,
    usersFieldFallbacks: 0,
    totalTraces: 9,
    faults: 9,
    errors: 0,
    throttles: 0,
    rootCauses: [],
    exampleTraceIds: [],
    firstSeen: undefined,
    lastSeen: undefined,
    tracesProcessed: 9,
    pages: 1,
    resumeToken: undefined,
    ...over,
  };
}

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

  it('keeps the larger estimate across events, like every other peak figure', () => {
    const a = { ...EMPTY_IMPACT, affectedUsers: 6, estimate: estimated(190) };
    const b = { ...EMPTY_IMPACT, affectedUsers: 9, estimate: estimated(120) };
    expect(mergeImpact(a, b)).toMatchObject({ affectedUsers: 9, estimate: estimated(190) });
    expect(mergeImpact(b, a).estimate).toEqual(estimated(190));
    expect(mergeImpact(EMPTY_IMPACT, b).estimate).toEqual(estimated(120));
    expect('estimate' in mergeImpact(EMPTY_IMPACT, EMPTY_IMPACT)).toBe(false);
  });
});
