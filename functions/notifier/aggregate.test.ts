import { describe, expect, it } from 'vitest';
import { addSummaries, compareImpact, createAggregation, topUsers, totals } from './aggregate';
import type { UserImpact } from './enrichment';
import { seededRandom, summary, traceId } from './test-support';

describe('aggregate', () => {
  it('counts per user from the username annotation, anonymous and unattributed apart', () => {
    const agg = createAggregation({ exampleTraces: 2 });
    addSummaries(agg, [
      summary({ user: 'alice', fault: true, responseTime: 2.5, startMs: 2_000 }),
      summary({ user: 'alice', error: true, responseTime: 0.3, startMs: 1_000 }),
      summary({ user: 'alice', throttle: true, responseTime: 0.1, startMs: 3_000 }),
      summary({ user: 'bob', fault: true, responseTime: 0.2, startMs: 1_500 }),
      summary({ user: 'anonymous', fault: true }),
      summary({ user: 'anonymous' }),
      // Lost annotation (the seed's bug): nobody to attribute it to.
      summary({ user: null, fault: true }),
      // Annotation absent but X-Ray's Users field set: attributed, and counted as a fallback.
      summary({ user: null, usersField: 'carol' }),
      // Annotation wins over Users.
      summary({ user: 'dave', usersField: 'mallory' }),
      // An empty annotation is no identity.
      summary({ user: '' }),
    ]);
    const t = totals(agg);
    expect(t).toMatchObject({
      totalTraces: 10,
      faults: 4,
      errors: 1,
      throttles: 1,
      distinctUsers: 4,
      anonymousRequests: 2,
      anonymousFaults: 1,
      unattributedTraces: 2,
      unattributedFaults: 1,
      usersFieldFallbacks: 1,
      distinctUsersCapped: false,
    });
    const users = topUsers(agg, 10);
    expect(users.map((u) => u.username)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(users[0]).toMatchObject({
      username: 'alice',
      requests: 3,
      faults: 1,
      errors: 1,
      throttles: 1,
      slowestSeconds: 2.5,
      firstSeen: new Date(1_000),
      lastSeen: new Date(3_000),
    });
    expect(users.map((u) => u.username)).not.toContain('mallory');
  });

  it('prefers faulted traces as examples, per user and overall', () => {
    const ok1 = traceId(1001);
    const ok2 = traceId(1002);
    const bad = traceId(1003);
    const agg = createAggregation({ exampleTraces: 2 });
    addSummaries(agg, [
      summary({ user: 'alice', id: ok1 }),
      summary({ user: 'alice', id: ok2 }),
      summary({ user: 'alice', id: bad, fault: true }),
    ]);
    expect(topUsers(agg, 1)[0]?.exampleTraceId).toBe(bad);
    expect(totals(agg).exampleTraceIds).toEqual([bad, ok1]);
  });

  it('counts the deepest root-cause service once per trace', () => {
    const agg = createAggregation();
    const path = [
      { name: 'cart-api', type: 'AWS::Lambda::Function' },
      { name: 'cart-table', type: 'AWS::DynamoDB::Table' },
    ];
    const twice = summary({ user: 'a', fault: true, faultRootCause: path });
    twice.FaultRootCauses = [...(twice.FaultRootCauses ?? []), ...(twice.FaultRootCauses ?? [])];
    addSummaries(agg, [
      twice,
      summary({ user: 'b', fault: true, faultRootCause: path }),
      summary({ user: 'c', fault: true, faultRootCause: [{ name: 'payments' }] }),
    ]);
    expect(totals(agg).rootCauses).toEqual([
      { kind: 'fault', service: 'cart-table', type: 'AWS::DynamoDB::Table', traces: 2 },
      { kind: 'fault', service: 'payments', type: undefined, traces: 1 },
    ]);
  });

  it('counts latency root causes only for traces that did not fail', () => {
    const agg = createAggregation();
    const slowPath = { ResponseTimeRootCauses: [{ Services: [{ Name: 'carts', Type: 'AWS::DynamoDB' }] }] };
    addSummaries(agg, [
      {
        ...summary({ user: 'a', fault: true, faultRootCause: [{ name: 'carts', type: 'AWS::DynamoDB' }] }),
        ...slowPath,
      },
      { ...summary({ user: 'b', responseTime: 3.5 }), ...slowPath },
    ]);
    expect(totals(agg).rootCauses).toEqual([
      { kind: 'fault', service: 'carts', type: 'AWS::DynamoDB', traces: 1 },
      { kind: 'responsetime', service: 'carts', type: 'AWS::DynamoDB', traces: 1 },
    ]);
  });

  it('keeps at most maxUsers counters and counts the rest as overflow', () => {
    const agg = createAggregation({ maxUsers: 2 });
    addSummaries(agg, [
      summary({ user: 'u1' }),
      summary({ user: 'u2', fault: true }),
      summary({ user: 'u3', fault: true }),
      summary({ user: 'u3' }),
      summary({ user: 'u1', fault: true }),
    ]);
    expect(agg.users.size).toBe(2);
    expect(totals(agg)).toMatchObject({
      distinctUsers: 2,
      distinctUsersCapped: true,
      overflowRequests: 2,
      overflowFaults: 1,
      totalTraces: 5,
    });
    expect(topUsers(agg, 5).map((u) => [u.username, u.requests])).toEqual([
      ['u1', 2],
      ['u2', 1],
    ]);
  });

  it('reads numeric username annotations as strings', () => {
    const agg = createAggregation();
    const s = summary({ user: 'x' });
    s.Annotations = { username: [{ AnnotationValue: { NumberValue: 42 } }] };
    addSummaries(agg, [s]);
    expect(topUsers(agg, 1)[0]?.username).toBe('42');
  });

  it('ranks by faults, then requests, then slowest, then name, and topUsers matches a full sort', () => {
    const agg = createAggregation();
    const specs: Parameters<typeof summary>[0][] = [];
    // Deterministic pseudo-random mix with many ties.
    const next = seededRandom(7);
    for (let i = 0; i < 5_000; i++) {
      specs.push({
        user: `user-${Math.floor(next() * 700)}`,
        fault: next() < 0.2,
        responseTime: Math.floor(next() * 4),
      });
    }
    addSummaries(agg, specs.map(summary));
    const all: UserImpact[] = topUsers(agg, Number.MAX_SAFE_INTEGER);
    const sorted = [...all].sort(compareImpact);
    expect(all).toEqual(sorted);
    for (const n of [1, 7, 20, 500]) expect(topUsers(agg, n)).toEqual(sorted.slice(0, n));
    expect(topUsers(agg, 0)).toEqual([]);
  });
});
