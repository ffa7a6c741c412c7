import {
  GetTraceSummariesCommand,
  InvalidRequestException,
  ThrottledException,
  XRayClient,
  type GetTraceSummariesCommandOutput,
  type TraceSummary,
} from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import type { Rule } from '../../rules/schema';
import { compareImpact } from './aggregate';
import type { Alert } from './alert';
import { BACKOFF_MAX_MS, enrich, type EnrichDeps } from './enrich';
import type { UserImpact } from './enrichment';
import { parseEvent } from './parse';
import {
  fakeClock,
  fixture,
  recordingLogger,
  seededRandom,
  summary,
  traceId,
  type FakeClock,
} from './test-support';

const xrayMock = mockClient(XRayClient);
const baseRule = ruleSet.rules.find((r) => r.id === 'registered-user-faults')!;

function ruleWith(enrichment: Partial<Rule['enrichment']>): Rule {
  return { ...baseRule, enrichment: { ...baseRule.enrichment, ...enrichment } };
}

function alertFrom(name: string): Alert {
  const result = parseEvent(fixture(name), {
    namePrefix: 'uia',
    accounts: ['123456789012'],
    logger: recordingLogger(),
  });
  if (result.kind !== 'alert') throw new Error(result.reason);
  return result.alert;
}

function page(
  summaries: TraceSummary[],
  nextToken?: string,
  processed?: number,
): GetTraceSummariesCommandOutput {
  return {
    TraceSummaries: summaries,
    NextToken: nextToken,
    TracesProcessedCount: processed ?? summaries.length,
    ApproximateTime: new Date('2019-10-02T17:04:00Z'),
    $metadata: {},
  };
}

function throttled(): ThrottledException {
  return new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
}

let clock: FakeClock;
let logger: ReturnType<typeof recordingLogger>;

function deps(extra: Partial<EnrichDeps> = {}): EnrichDeps {
  return {
    xray: new XRayClient({ region: 'us-east-1', maxAttempts: 1 }),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    logger,
    abortAfter: () => new AbortController().signal,
    ...extra,
  };
}

beforeEach(() => {
  xrayMock.reset();
  clock = fakeClock('2019-10-02T17:05:00Z');
  logger = recordingLogger();
});

describe('enrich', () => {
  it('pages through NextToken with the rule filter and an Event-time window, and aggregates every page', async () => {
    xrayMock
      .on(GetTraceSummariesCommand)
      .resolvesOnce(page([summary({ user: 'alice', fault: true }), summary({ user: 'bob' })], 't1', 40))
      .resolvesOnce(page([summary({ user: 'alice', fault: true })], 't2', 30))
      .resolvesOnce(
        page([summary({ user: 'anonymous', fault: true }), summary({ user: null, fault: true })]),
      );

    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule: baseRule }, deps());

    expect(xrayMock).toHaveReceivedCommandTimes(GetTraceSummariesCommand, 3);
    expect(xrayMock).toHaveReceivedNthCommandWith(GetTraceSummariesCommand, 1, {
      FilterExpression: baseRule.group.filterExpression,
      TimeRangeType: 'Event',
      StartTime: new Date('2019-10-02T16:58:00.000Z'),
      EndTime: new Date('2019-10-02T17:04:40.989Z'),
      NextToken: undefined,
    });
    expect(xrayMock).toHaveReceivedNthCommandWith(GetTraceSummariesCommand, 2, { NextToken: 't1' });
    expect(xrayMock).toHaveReceivedNthCommandWith(GetTraceSummariesCommand, 3, { NextToken: 't2' });
    expect(result).toMatchObject({
      status: 'complete',
      reason: undefined,
      resumeToken: undefined,
      pages: 3,
      totalTraces: 5,
      faults: 4,
      distinctUsers: 2,
      anonymousRequests: 1,
      anonymousFaults: 1,
      unattributedTraces: 1,
      unattributedFaults: 1,
      tracesProcessed: 72,
    });
    expect(result.users.map((u) => [u.username, u.faults, u.requests])).toEqual([
      ['alice', 2, 2],
      ['bob', 0, 1],
    ]);
  });

  it('narrows the filter to faults for a FAULT insight and queries up to now while ACTIVE', async () => {
    clock = fakeClock('2024-01-01T12:10:00Z');
    xrayMock.on(GetTraceSummariesCommand).resolves(page([]));
    const registered = ruleSet.rules.find((r) => r.id === 'registered-users')!;
    await enrich({ alert: alertFrom('insight-active'), rule: registered }, deps());
    expect(xrayMock).toHaveReceivedCommandWith(GetTraceSummariesCommand, {
      FilterExpression: `(${registered.group.filterExpression}) AND fault`,
      StartTime: new Date('2024-01-01T11:59:00Z'),
      EndTime: new Date('2024-01-01T12:10:00Z'),
    });
  });

  it('returns a complete, empty enrichment for 0 traces', async () => {
    xrayMock.on(GetTraceSummariesCommand).resolves(page([], undefined, 0));
    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule: baseRule }, deps());
    expect(result).toMatchObject({
      status: 'complete',
      users: [],
      distinctUsers: 0,
      totalTraces: 0,
      anonymousRequests: 0,
      unattributedTraces: 0,
      rootCauses: [],
      exampleTraceIds: [],
      firstSeen: undefined,
      lastSeen: undefined,
    });
  });

  it('backs off on ThrottledException and then succeeds', async () => {
    xrayMock
      .on(GetTraceSummariesCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolvesOnce(page([summary({ user: 'alice', fault: true })]));
    const result = await enrich(
      { alert: alertFrom('alarm-threshold'), rule: baseRule },
      deps({ random: () => 0 }),
    );
    expect(result.status).toBe('complete');
    expect(result.users[0]?.username).toBe('alice');
    // Equal jitter with random() = 0: half of 100 ms, then half of 200 ms.
    expect(clock.sleeps).toEqual([50, 100]);
    expect(xrayMock).toHaveReceivedCommandTimes(GetTraceSummariesCommand, 3);
  });

  it('treats any HTTP 429 as throttling', async () => {
    const tooMany = Object.assign(new Error('Too Many Requests'), {
      name: 'SomethingElse',
      $metadata: { httpStatusCode: 429 },
    });
    xrayMock.on(GetTraceSummariesCommand).rejectsOnce(tooMany).resolvesOnce(page([]));
    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule: baseRule }, deps());
    expect(result.status).toBe('complete');
    expect(clock.sleeps).toHaveLength(1);
  });

  it('stops backing off before the budget ends and returns what it has as partial, with the token', async () => {
    xrayMock
      .on(GetTraceSummariesCommand)
      .resolvesOnce(page([summary({ user: 'alice', fault: true })], 'next-page'))
      .rejects(throttled());
    const rule = ruleWith({ timeBudgetMs: 4_000 });
    const started = clock.now().getTime();
    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule }, deps({ random: () => 0.999 }));

    expect(result.status).toBe('partial');
    expect(result.reason).toMatch(
      /throttled GetTraceSummaries until the time budget \(4000 ms\) ran out, after 1 page/,
    );
    expect(result.resumeToken).toBe('next-page');
    expect(result.users.map((u) => u.username)).toEqual(['alice']);
    // Never slept past the budget, and each wait stayed under the cap.
    expect(clock.now().getTime() - started).toBeLessThan(4_000);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(BACKOFF_MAX_MS);
    expect(clock.sleeps.length).toBeGreaterThan(2);
  });

  it('stops when the time budget is spent by slow pages', async () => {
    let n = 0;
    xrayMock.on(GetTraceSummariesCommand).callsFake(async () => {
      clock.advance(1_500);
      n++;
      return page([summary({ user: `u${n}` })], `after-${n}`);
    });
    const result = await enrich(
      { alert: alertFrom('alarm-threshold'), rule: ruleWith({ timeBudgetMs: 4_000 }) },
      deps(),
    );
    expect(result).toMatchObject({
      status: 'partial',
      reason: 'time budget (4000 ms) used up after 3 pages',
      pages: 3,
      resumeToken: 'after-3',
      distinctUsers: 3,
    });
  });

  it('gives each request an abort signal for the budget left, and an abort ends it as partial', async () => {
    const asked: number[] = [];
    const abortError = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    xrayMock
      .on(GetTraceSummariesCommand)
      .resolvesOnce(page([summary({ user: 'alice' })], 'p2'))
      .rejectsOnce(abortError);
    clock.advance(0);
    const result = await enrich(
      { alert: alertFrom('alarm-threshold'), rule: ruleWith({ timeBudgetMs: 2_500 }) },
      deps({
        abortAfter: (ms) => {
          asked.push(ms);
          clock.advance(1_000);
          return new AbortController().signal;
        },
      }),
    );
    expect(asked).toEqual([2_500, 1_500]);
    expect(result).toMatchObject({ status: 'partial', resumeToken: 'p2', distinctUsers: 1 });
    expect(result.reason).toMatch(/time budget \(2500 ms\) used up after 1 page/);
  });

  it('stops at the page cap and at the trace cap', async () => {
    xrayMock.on(GetTraceSummariesCommand).callsFake(async (input: { NextToken?: string }) => {
      const n = Number(input.NextToken ?? '0') + 1;
      return page([summary({ user: `u${n}` }), summary({ user: 'anonymous' })], String(n));
    });
    const capped = await enrich(
      { alert: alertFrom('alarm-threshold'), rule: ruleWith({ maxPages: 2 }) },
      deps(),
    );
    expect(capped).toMatchObject({
      status: 'partial',
      reason: 'page cap reached (2 pages)',
      resumeToken: '2',
      pages: 2,
    });

    const traceCapped = await enrich(
      { alert: alertFrom('alarm-threshold'), rule: ruleWith({ maxTraces: 5 }) },
      deps(),
    );
    expect(traceCapped).toMatchObject({ status: 'partial', resumeToken: '3', totalTraces: 6 });
    expect(traceCapped.reason).toBe('trace cap reached (5 traces)');
  });

  it('resumes a partial enrichment with the same query and the token', async () => {
    xrayMock.on(GetTraceSummariesCommand).resolves(page([summary({ user: 'zoe' })]));
    const query = {
      startTime: new Date('2019-10-02T16:00:00Z'),
      endTime: new Date('2019-10-02T16:30:00Z'),
      filterExpression: 'fault',
      timeRangeType: 'Event' as const,
    };
    const result = await enrich(
      { alert: alertFrom('alarm-threshold'), rule: baseRule, resume: { query, token: 'resume-here' } },
      deps(),
    );
    expect(xrayMock).toHaveReceivedCommandWith(GetTraceSummariesCommand, {
      NextToken: 'resume-here',
      FilterExpression: 'fault',
      StartTime: query.startTime,
    });
    expect(result.query).toEqual(query);
  });

  it('fails (users unknown) on another X-Ray error before any page, and never throws', async () => {
    xrayMock.on(GetTraceSummariesCommand).rejects(
      new InvalidRequestException({
        message: 'Invalid filter expression',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule: baseRule }, deps());
    expect(result).toMatchObject({
      status: 'failed',
      reason: 'X-Ray GetTraceSummaries failed: InvalidRequestException: Invalid filter expression',
      users: [],
    });
    expect(clock.sleeps).toEqual([]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error' }));
  });

  it('keeps pages already read when a later page fails, as partial', async () => {
    xrayMock
      .on(GetTraceSummariesCommand)
      .resolvesOnce(page([summary({ user: 'alice', fault: true })], 'p2'))
      .rejectsOnce(new Error('socket hang up'));
    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule: baseRule }, deps());
    expect(result).toMatchObject({ status: 'partial', resumeToken: 'p2', distinctUsers: 1 });
    expect(result.reason).toBe('X-Ray GetTraceSummaries failed: Error: socket hang up (after 1 page)');
  });

  it('counts traces whose username annotation is missing as unattributed', async () => {
    xrayMock
      .on(GetTraceSummariesCommand)
      .resolves(
        page([
          summary({ user: 'alice', fault: true }),
          summary({ user: null, fault: true }),
          summary({ user: null, fault: true }),
          summary({ user: null }),
          summary({ user: null, usersField: 'bob' }),
        ]),
      );
    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule: baseRule }, deps());
    expect(result).toMatchObject({
      unattributedTraces: 3,
      unattributedFaults: 2,
      usersFieldFallbacks: 1,
      distinctUsers: 2,
      totalTraces: 5,
    });
  });
});

describe('enrich under sampling', () => {
  // 4 users once, 2 twice, 1 three times: f1 = 4, f2 = 2 → f0 = 4·3 / (2·3) = 2 → about 9.
  const sampledPage = () =>
    page([
      ...['ana', 'ben', 'cho', 'dev'].map((user) => summary({ user, fault: true })),
      ...['eli', 'eli', 'fay', 'fay', 'gus', 'gus', 'gus'].map((user) => summary({ user, fault: true })),
    ]);

  it('counts users seen once and twice and estimates the affected users when sampling is below 100%', async () => {
    xrayMock.on(GetTraceSummariesCommand).resolves(sampledPage());
    const result = await enrich(
      { alert: alertFrom('alarm-threshold'), rule: baseRule },
      deps({ samplingRate: 0.05 }),
    );
    expect(result).toMatchObject({ distinctUsers: 7, usersSeenOnce: 4, usersSeenTwice: 2 });
    expect(result.estimate).toMatchObject({ method: 'chao1', seen: 7, estimate: 9, samplingRate: 0.05 });
    expect(result.estimate!.low).toBeGreaterThanOrEqual(7);
    expect(result.estimate!.high).toBeGreaterThan(9);
  });

  it('makes no estimate at full sampling, after a failure, or past the user cap', async () => {
    xrayMock.on(GetTraceSummariesCommand).resolves(sampledPage());
    const alert = alertFrom('alarm-threshold');
    expect((await enrich({ alert, rule: baseRule }, deps({ samplingRate: 1 }))).estimate).toBeUndefined();
    expect(
      (await enrich({ alert, rule: baseRule }, deps({ samplingRate: 0.05, maxUsers: 3 }))).estimate,
    ).toBeUndefined();
    xrayMock.reset();
    xrayMock
      .on(GetTraceSummariesCommand)
      .rejects(new InvalidRequestException({ message: 'no', $metadata: {} }));
    expect((await enrich({ alert, rule: baseRule }, deps({ samplingRate: 0.05 }))).estimate).toBeUndefined();
  });
});

describe('enrich at scale', () => {
  interface Ref {
    requests: number;
    faults: number;
    errors: number;
    throttles: number;
    slowestSeconds: number;
  }

  /** The straightforward computation: every summary into an unbounded Map, then a full sort. */
  function reference(summaries: readonly TraceSummary[], keepFirst = Number.POSITIVE_INFINITY) {
    const users = new Map<string, Ref>();
    let overflow = 0;
    let anonymous = 0;
    let unattributed = 0;
    for (const s of summaries) {
      const name = s.Annotations?.['username']?.[0]?.AnnotationValue?.StringValue;
      if (name === undefined) {
        unattributed++;
        continue;
      }
      if (name === 'anonymous') {
        anonymous++;
        continue;
      }
      let u = users.get(name);
      if (!u) {
        if (users.size >= keepFirst) {
          overflow++;
          continue;
        }
        u = { requests: 0, faults: 0, errors: 0, throttles: 0, slowestSeconds: 0 };
        users.set(name, u);
      }
      u.requests++;
      if (s.HasFault) u.faults++;
      if (s.HasError) u.errors++;
      if (s.HasThrottle) u.throttles++;
      u.slowestSeconds = Math.max(u.slowestSeconds, s.ResponseTime ?? 0);
    }
    const ranked = [...users].map(([username, r]) => ({ username, ...r }) as UserImpact).sort(compareImpact);
    return { ranked, distinct: users.size, overflow, anonymous, unattributed };
  }

  function generate(count: number, distinctUsers: number): TraceSummary[] {
    const next = seededRandom(12_345);
    const out: TraceSummary[] = [];
    for (let i = 0; i < count; i++) {
      const r = next();
      const user = r < 0.05 ? 'anonymous' : r < 0.07 ? null : `user-${Math.floor(next() * distinctUsers)}`;
      out.push(
        summary({
          user,
          id: traceId(i + 1),
          fault: next() < 0.1,
          error: next() < 0.05,
          responseTime: Math.round(next() * 5_000) / 1_000,
          startMs: 1_570_035_000_000 + i,
        }),
      );
    }
    return out;
  }

  const all = generate(100_000, 20_000);
  const pages = (size: number) => {
    const out: GetTraceSummariesCommandOutput[] = [];
    for (let i = 0; i < all.length; i += size) {
      out.push(page(all.slice(i, i + size), i + size < all.length ? `t${i + size}` : undefined));
    }
    return out;
  };

  function mockPages(size: number): void {
    const list = pages(size);
    xrayMock.on(GetTraceSummariesCommand).callsFake(async (input: { NextToken?: string }) => {
      const index = input.NextToken === undefined ? 0 : Number(input.NextToken.slice(1)) / size;
      return list[index]!;
    });
  }

  it('100,000 traces from 20,000 users: exact totals and top-N against the reference', async () => {
    mockPages(1_000);
    const rule = ruleWith({ maxPages: 1_000, topUsers: 50 });
    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule }, deps());
    const ref = reference(all);

    expect(result.status).toBe('complete');
    expect(result.pages).toBe(100);
    expect(result.totalTraces).toBe(100_000);
    expect(result.distinctUsers).toBe(ref.distinct);
    expect(result.distinctUsers).toBeGreaterThan(19_000);
    expect(result.anonymousRequests).toBe(ref.anonymous);
    expect(result.unattributedTraces).toBe(ref.unattributed);
    expect(result.faults).toBe(all.filter((s) => s.HasFault).length);
    expect(
      result.users.map(({ username, requests, faults, errors, throttles, slowestSeconds }) => ({
        username,
        requests,
        faults,
        errors,
        throttles,
        slowestSeconds,
      })),
    ).toEqual(ref.ranked.slice(0, 50));
  });

  it('bounds memory with a user cap: kept users exact, the rest counted as overflow', async () => {
    mockPages(1_000);
    const rule = ruleWith({ maxPages: 1_000, topUsers: 20 });
    const result = await enrich({ alert: alertFrom('alarm-threshold'), rule }, deps({ maxUsers: 5_000 }));
    const ref = reference(all, 5_000);

    expect(result.distinctUsers).toBe(5_000);
    expect(result.distinctUsersCapped).toBe(true);
    expect(result.overflowRequests).toBe(ref.overflow);
    const keptRequests = ref.ranked.reduce((n, u) => n + u.requests, 0);
    expect(
      keptRequests + result.overflowRequests + result.anonymousRequests + result.unattributedTraces,
    ).toBe(result.totalTraces);
    expect(result.users.map((u) => [u.username, u.faults, u.requests])).toEqual(
      ref.ranked.slice(0, 20).map((u) => [u.username, u.faults, u.requests]),
    );
  });
});
