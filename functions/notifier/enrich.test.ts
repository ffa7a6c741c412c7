/**
 * The enrichment engine against the local X-Ray stand-in (real SDK client, real wire protocol,
 * 60 s page slices and 100-summary pages as modelled in local/aws-timing.ts), compared with a
 * reference: the same traces aggregated directly, as one query of the whole window would.
 */
import { XRayClient, type TraceSummary } from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileFilter } from '../../rules/filter';
import type { Trace } from '../../rules/filter/trace';
import { ruleSet } from '../../rules';
import type { Rule } from '../../rules/schema';
import { createTraceStore } from '../../local/trace-store';
import { startXRayServer, toTraceSummary, type XRayServer } from '../../local/xray-server';
import { addSummaries, createAggregation, topUsers, totals } from './aggregate';
import type { Alert } from './alert';
import { enrich, startEnrichment, type EnrichDeps } from './enrich';
import { CARRY_USERS } from './enrichment-state';
import type { UserImpact } from './enrichment';
import { parseEvent } from './parse';
import { fixture, recordingLogger } from './test-support';

const baseRule = ruleSet.rules.find((r) => r.id === 'registered-user-faults')!;
const rule = (over: Partial<Rule['enrichment']> = {}): Rule => ({
  ...baseRule,
  enrichment: { ...baseRule.enrichment, xrayRequestsPerSecond: 50, ...over },
});

function alarmAlert(): Alert {
  const result = parseEvent(fixture('alarm-threshold'), {
    namePrefix: 'uia',
    accounts: ['123456789012'],
    logger: recordingLogger(),
  });
  if (result.kind !== 'alert' || result.alert.kind !== 'alarm') throw new Error('fixture');
  return result.alert;
}

const alert = alarmAlert();
// The query window the notifier builds for this alarm (evaluated periods + margin).
const endMs = alert.changedAt.getTime();
const startMs = endMs - 5 * 60_000;

/** `count` faulted traces of `users` users spread over the window; some span sub-window edges. */
function traces(count: number, users: number): Trace[] {
  return Array.from({ length: count }, (_, i) => {
    const start = startMs - 20_000 + Math.floor((((i * 7919) % count) / count) * (endMs - startMs + 15_000));
    const duration = i % 17 === 0 ? 25 : 0.08; // a few long ones cross boundaries
    return {
      id: `1-${Math.floor(start / 1000).toString(16)}-${i.toString(16).padStart(24, '0')}`,
      startTime: start / 1000,
      responseTime: duration,
      duration,
      http: { status: 502, method: 'POST', url: 'https://shop.example/cart' },
      fault: true,
      error: false,
      throttle: false,
      partial: false,
      users: [],
      annotations: { username: [i % 23 === 0 ? 'anonymous' : `shopper-${i % users}`] },
      services: [{ name: 'cart', type: 'AWS::Lambda', root: true, fault: true }],
      availabilityZones: [],
      instanceIds: [],
      resourceArns: [],
    } as unknown as Trace;
  });
}

/** What one query of the whole window counts (TimeRangeType Event, the rule's filter). */
function reference(
  all: readonly Trace[],
  window: { startTime: Date; endTime: Date; filterExpression: string },
) {
  const agg = createAggregation({ exampleTraces: 3 });
  const [from, to] = [window.startTime.getTime(), window.endTime.getTime()];
  const matches = compileFilter(window.filterExpression);
  const active = all
    .filter((t) => matches(t))
    .filter((t) => {
      const end = (t.startTime + (t.duration ?? 0)) * 1000;
      return t.startTime * 1000 < to && end >= from;
    });
  const summaries = active.map((t) => {
    const s = toTraceSummary(t) as unknown as TraceSummary;
    return { ...s, StartTime: new Date(t.startTime * 1000) };
  });
  addSummaries(agg, summaries);
  return { totals: totals(agg), top: topUsers(agg, 20) };
}

/** Which trace is a user's example depends on reading order; the counts must not. */
const counts = (users: readonly UserImpact[]) =>
  users.map((u) => [
    u.username,
    u.requests,
    u.faults,
    u.slowestSeconds,
    u.firstSeen?.getTime(),
    u.lastSeen?.getTime(),
  ]);

let server: XRayServer;
const store = createTraceStore();
let logger: ReturnType<typeof recordingLogger>;

function deps(over: Partial<EnrichDeps> = {}): EnrichDeps {
  return {
    xray: new XRayClient({
      region: 'us-east-1',
      endpoint: server.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
    now: () => new Date(endMs + 1_000),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    random: () => 0.5,
    logger,
    ...over,
  };
}

/** A clock at the alarm's time that moves with the wall. */
function flowingClock(): () => Date {
  const wall = Date.now();
  return () => new Date(endMs + 1_000 + (Date.now() - wall));
}

beforeAll(async () => {
  server = await startXRayServer({
    store,
    compile: compileFilter,
    timing: { paging: { sliceMs: 60_000, maxScanned: 2_000 } },
    now: () => endMs + 120_000,
  });
});
afterAll(() => server.close());
beforeEach(() => {
  store.clear();
  logger = recordingLogger();
});

describe('enrichment over parallel sub-windows', () => {
  it('reads every trace exactly once: the same totals and top users as one query of the window', async () => {
    const all = traces(3_000, 150);
    for (const t of all) store.put(t);
    const now = flowingClock();
    const result = await enrich({ alert, rule: rule({ timeBudgetMs: 20_000 }) }, deps({ now }));
    const ref = reference(all, result.query);
    expect(result.status).toBe('complete');
    expect(result.progress).toMatchObject({ end: 'complete', slicesRead: result.progress?.slices });
    expect(result.totalTraces).toBe(ref.totals.totalTraces);
    expect(result.faults).toBe(ref.totals.faults);
    expect(result.distinctUsers).toBe(ref.totals.distinctUsers);
    expect(result.anonymousRequests).toBe(ref.totals.anonymousRequests);
    expect(counts(result.users)).toEqual(counts(ref.top));
    expect(result.progress!.slices).toBeGreaterThan(1);
  });

  it('stops at its deadline with a state, and a continuation ends with the same exact list', async () => {
    const all = traces(3_000, 150);
    for (const t of all) store.put(t);
    server.setLatency(30);
    try {
      const now = flowingClock();
      const first = startEnrichment(
        { alert, rule: rule({ xrayRequestsPerSecond: 4 }), deadlineMs: now().getTime() + 700 },
        deps({ now }),
      );
      const partial = await first.finished;
      expect(partial.status).toBe('partial');
      expect(partial.reason).toMatch(/still reading: \d+ of \d+ time slices/);
      const state = first.state();
      expect(state).toBeDefined();
      // Through JSON, as the delivery log keeps it.
      const resumed = JSON.parse(JSON.stringify(state));
      server.setLatency(0);
      const rest = await enrich(
        { alert, rule: rule({ timeBudgetMs: 20_000 }), resume: resumed },
        deps({ now }),
      );
      const ref = reference(all, rest.query);
      expect(rest.status).toBe('complete');
      expect(rest.progress?.invocations).toBe(2);
      expect(rest.totalTraces).toBe(ref.totals.totalTraces);
      expect(rest.distinctUsers).toBe(ref.totals.distinctUsers);
      expect(counts(rest.users)).toEqual(counts(ref.top));
    } finally {
      server.setLatency(0);
    }
  });

  it('ends at maxTraces and says so', async () => {
    for (const t of traces(2_000, 50)) store.put(t);
    const result = await enrich(
      { alert, rule: rule({ maxTraces: 300, timeBudgetMs: 20_000 }) },
      deps({ now: flowingClock() }),
    );
    expect(result.status).toBe('partial');
    expect(result.progress?.end).toBe('max-traces');
    expect(result.reason).toMatch(/stopped at maxTraces/);
    expect(result.totalTraces).toBeGreaterThanOrEqual(300);
  });

  it('waits throttling out at a lower rate instead of failing', async () => {
    for (const t of traces(500, 40)) store.put(t);
    server.throttleNext(6, 'GetTraceSummaries');
    const result = await enrich(
      { alert, rule: rule({ timeBudgetMs: 20_000 }) },
      deps({ now: flowingClock() }),
    );
    expect(result.status).toBe('complete');
    expect(result.progress?.throttled).toBe(6);
    expect(logger.lines.some((l) => l.message.startsWith('GetTraceSummaries throttled'))).toBe(true);
  });

  it('keeps distinct users honest past the carried bound, through the sketch', async () => {
    const users = CARRY_USERS * 2;
    const all = traces(users * 2, users);
    for (const t of all) store.put(t);
    const now = flowingClock();
    const first = startEnrichment(
      { alert, rule: rule({ xrayRequestsPerSecond: 3 }), deadlineMs: now().getTime() + 1_200 },
      deps({ now }),
    );
    await first.finished;
    const state = first.state();
    expect(state).toBeDefined();
    const rest = await enrich({ alert, rule: rule({ timeBudgetMs: 30_000 }), resume: state }, deps({ now }));
    const truth = reference(all, rest.query).totals.distinctUsers;
    expect(rest.status).toBe('complete');
    expect(Math.abs(rest.distinctUsers - truth) / truth).toBeLessThan(0.06);
    expect(rest.totalTraces).toBe(reference(all, rest.query).totals.totalTraces);
  });
});

describe('enrichment when X-Ray answers badly', () => {
  let mock: ReturnType<typeof mockClient>;
  beforeAll(() => {
    mock = mockClient(XRayClient);
  });
  afterAll(() => mock.restore());
  const client = () => new XRayClient({ region: 'us-east-1', maxAttempts: 1 });

  it('reads "users unknown" when every summary X-Ray returned is unusable', async () => {
    mock.reset();
    mock.onAnyCommand().resolves({ TraceSummaries: [{ Id: 42 }, 'junk', null], $metadata: {} } as never);
    const result = await enrich({ alert, rule: rule() }, { ...deps(), xray: client(), now: flowingClock() });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/no usable trace summaries/);
  });

  it('is failed, with the error, when X-Ray refuses before any page', async () => {
    mock.reset();
    mock.onAnyCommand().rejects(Object.assign(new Error('bad filter'), { name: 'InvalidRequestException' }));
    const result = await enrich({ alert, rule: rule() }, { ...deps(), xray: client(), now: flowingClock() });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/InvalidRequestException: bad filter/);
  });
});
