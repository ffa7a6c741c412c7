/**
 * Pages are never lost, stranded or doubled: the notifier end to end against the stand-ins
 * with events out of order, at once, duplicated, invocations killed mid-way (a stand-in that
 * never answers: the invocation is abandoned, as when Lambda kills it) and retried on
 * Lambda's schedule (about 1, then 2 minutes later), on a fake clock.
 *
 * Each case is one way the notifier used to break; the comment says what used to happen.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqsEventSource } from '../../local/sqs-event-source';
import { topicArn } from '../../local/sns-server';
import { ruleSet as shippedRuleSet } from '../../rules';
import { alarmName } from '../../rules/names';
import type { Rule, RuleSet } from '../../rules/schema';
import { handleDeferredBatch, handleEvent, type HandleResult } from '../../functions/notifier/handle-event';
import { incidentUpdatedDetailSchema } from '../../functions/notifier/incident-event';
import type { ProcessedEvent } from '../../functions/notifier/process-event';
import { seededRandom } from '../../functions/notifier/test-support';
import { alarmEvent, insightEvent } from './events';
import { DEFERRAL, notifierDeps, startHarness, type Harness, type TestDeps } from './harness';

const RULE = 'registered-user-faults';
const T = new Date('2026-05-04T10:00:00Z');
const MIN = 60_000;
const at = (minutes: number) => new Date(T.getTime() + minutes * MIN);
/** Lambda's async retries come about a minute, then two minutes, after a failure. */
const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];

let h: Harness;
let n = 0;
let nowMs = T.getTime();
const clock = {
  now: () => new Date(nowMs),
  sleep: async (ms: number) => {
    nowMs += ms;
  },
  advance: (ms: number) => {
    nowMs += ms;
  },
};

beforeAll(async () => {
  h = await startHarness();
  h.setClock(clock.now);
});
afterAll(() => h?.close());
beforeEach(() => {
  h.traces.clear();
  nowMs = T.getTime();
});

/** A Lambda context for a function with `timeoutMs`, on the fake clock. */
function context(timeoutMs = 60_000, requestId = `req-${++n}`) {
  const deadline = clock.now().getTime() + timeoutMs;
  return {
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now().getTime()),
  };
}

function ruleSetWith(channel: string, extra: Rule[] = []): RuleSet {
  return {
    ...shippedRuleSet,
    routing: { slackChannels: [...shippedRuleSet.routing.slackChannels, { name: channel }] },
    rules: [
      ...shippedRuleSet.rules.map((r) =>
        r.id === RULE ? { ...r, routes: { ...r.routes, slack: channel } } : r,
      ),
      ...extra.map((r) => ({ ...r, routes: { ...r.routes, slack: channel } })),
    ],
  };
}

interface Scenario {
  deps: TestDeps;
  channel: string;
  roots(): ReturnType<Harness['slack']['messages']>;
  emails(): ReturnType<Harness['sns']['published']>;
}

async function scenario(options: { extraRules?: Rule[]; probe?: TestDeps['probe'] } = {}): Promise<Scenario> {
  const channel = `rel-${++n}`;
  const topic = topicArn(`rel-${n}`);
  h.slack.addChannel({ name: channel });
  h.sns.addTopic(topic);
  const deps = await notifierDeps(h, {
    ruleSet: ruleSetWith(channel, options.extraRules),
    now: clock.now,
    sleep: clock.sleep,
    ...(options.probe ? { probe: options.probe } : {}),
  });
  deps.onCallTopicArn = topic;
  return {
    deps,
    channel,
    roots: () => h.slack.messages(channel),
    emails: () => h.sns.published(topic),
  };
}

function processedOrDeferred(result: HandleResult | Error): HandleResult {
  if (result instanceof Error) throw result;
  return result;
}

function processed(result: HandleResult): ProcessedEvent {
  if (result.kind !== 'processed')
    throw new Error(`expected a processed event, got ${JSON.stringify(result)}`);
  return result;
}

/** Lambda's async invoke: a failure is retried twice, a minute and then two minutes later. */
async function invokeAsync(
  event: unknown,
  deps: TestDeps,
  timeoutMs = 60_000,
): Promise<HandleResult | Error> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await handleEvent(structuredClone(event), context(timeoutMs), deps);
    } catch (error) {
      const delay = LAMBDA_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) return error as Error;
      clock.advance(delay);
    }
  }
}

/** Starts an invocation that will hang at a stand-in; returns once it is stuck there. */
async function abandoned(run: Promise<unknown>, stuck: () => boolean): Promise<void> {
  run.catch(() => undefined);
  for (let i = 0; i < 400 && !stuck(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(stuck()).toBe(true);
}

const text = (m: { text: string }) => m.text;

describe('events out of order, at once, late', () => {
  it('pages an outage whose OK arrives before its ALARM, and mails a new outage three hours later', async () => {
    // Used to: drop the OK as no-incident, open an incident on the ALARM that never closed, and
    // attach the outage three hours later to it without an email.
    const s = await scenario();
    const ok = processed(
      await handleEvent(
        alarmEvent({ id: 'oo-ok', at: at(10), from: 'ALARM', to: 'OK', previousAt: T }),
        context(),
        s.deps,
      ),
    );
    expect(ok).toMatchObject({ change: 'opened-resolved', slack: ['root'], email: 'sent' });
    const late = processed(
      await handleEvent(alarmEvent({ id: 'oo-fire', at: T, from: 'OK', to: 'ALARM' }), context(), s.deps),
    );
    expect(late).toMatchObject({ change: 'stale', slack: [], email: 'not-planned' });
    expect(await s.deps.store.findCurrent(RULE)).toMatchObject({
      state: 'resolved',
      resolvedAt: at(10).toISOString(),
    });
    expect(s.roots().map(text)).toEqual([expect.stringContaining('RESOLVED')]);
    expect(s.emails()).toHaveLength(1);

    const again = processed(
      await handleEvent(
        alarmEvent({ id: 'oo-later', at: at(190), from: 'OK', to: 'ALARM', previousAt: at(10) }),
        context(),
        s.deps,
      ),
    );
    expect(again).toMatchObject({ change: 'opened', email: 'sent' });
    expect(again.incidentId).not.toBe(ok.incidentId);
    expect(s.emails()).toHaveLength(2);
  });

  it('resolves every one of 20 outages whose ALARM and OK are delivered at the same moment', async () => {
    // Used to: 20 of 20 incidents end open.
    const s = await scenario();
    const ids: string[] = [];
    for (let k = 0; k < 20; k++) {
      const start = at(k * 60);
      const fire = alarmEvent({
        id: `c-${k}-fire`,
        at: start,
        from: 'OK',
        to: 'ALARM',
        previousAt: at(k * 60 - 50),
      });
      const ok = alarmEvent({
        id: `c-${k}-ok`,
        at: at(k * 60 + 5),
        from: 'ALARM',
        to: 'OK',
        previousAt: start,
      });
      const results = await Promise.all([
        handleEvent(fire, context(), s.deps),
        handleEvent(ok, context(), s.deps),
      ]);
      ids.push(...results.map((r) => processed(r).incidentId!));
    }
    const incidents = await Promise.all([...new Set(ids)].map((id) => s.deps.store.get(id)));
    expect(incidents).toHaveLength(20);
    expect(incidents.filter((i) => i?.state !== 'resolved')).toEqual([]);
    expect(s.emails()).toHaveLength(20);
    expect(s.roots().filter((m) => !m.text.includes('RESOLVED'))).toEqual([]);
  });

  it('never reopens on a late ALARM → ALARM after the OK, an Insight ACTIVE after its CLOSED, or a firing older than the resolution', async () => {
    // Used to: each of the three reopen the incident (a negative age counted as within the window).
    const s = await scenario();
    await handleEvent(alarmEvent({ id: 'neg-1', at: T, from: 'OK', to: 'ALARM' }), context(), s.deps);
    await handleEvent(
      insightEvent({ id: 'neg-2', at: at(1), startedAt: at(1), state: 'ACTIVE' }),
      context(),
      s.deps,
    );
    await handleEvent(
      alarmEvent({ id: 'neg-3', at: at(8), from: 'ALARM', to: 'OK', previousAt: T }),
      context(),
      s.deps,
    );
    await handleEvent(
      insightEvent({ id: 'neg-4', at: at(9), startedAt: at(1), state: 'CLOSED' }),
      context(),
      s.deps,
    );
    const resolved = await s.deps.store.findCurrent(RULE);
    expect(resolved).toMatchObject({ state: 'resolved', reopenedCount: 0 });
    const threadLength = h.slack.thread(s.channel, s.roots()[0]!.ts).length;

    const lateUpdate = alarmEvent({ id: 'neg-5', at: at(5), from: 'ALARM', to: 'ALARM', previousAt: T });
    const lateActive = insightEvent({ id: 'neg-6', at: at(4), startedAt: at(1), state: 'ACTIVE' });
    const olderFiring = alarmEvent({ id: 'neg-7', at: at(2), from: 'OK', to: 'ALARM', previousAt: at(-30) });
    for (const event of [lateUpdate, lateActive, olderFiring]) {
      expect(processed(await handleEvent(event, context(), s.deps)).change).toBe('stale');
    }
    expect(await s.deps.store.findCurrent(RULE)).toMatchObject({
      state: 'resolved',
      reopenedCount: 0,
      id: resolved!.id,
    });
    expect(h.slack.thread(s.channel, s.roots()[0]!.ts)).toHaveLength(threadLength);
    expect(s.roots()[0]!.text).toContain('RESOLVED');
  });
});

// ---- many rules, shuffled and in a burst ----------------------------------------------------

/** 25 copies of the paging rule (each its own alarm), all routed to one channel. */
function manyRules(count: number): Rule[] {
  const base = shippedRuleSet.rules.find((r) => r.id === RULE)!;
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    id: `load-${String(i + 1).padStart(2, '0')}`,
    title: `Load rule ${i + 1}`,
    group: { ...base.group, insights: false, insightNotifications: false },
  }));
}

/** Per rule four outages of four events each (fire, two updates, OK), 30 minutes apart. */
function outageEvents(rules: Rule[]): Array<{ event: Record<string, unknown>; ruleId: string }> {
  const events: Array<{ event: Record<string, unknown>; ruleId: string; at: number }> = [];
  for (const rule of rules) {
    const name = alarmName(shippedRuleSet.namePrefix, rule.id);
    let previousOk = at(-60);
    for (let k = 0; k < 5; k++) {
      const start = at(k * 30);
      const steps = [
        { from: 'OK', to: 'ALARM', at: start, previousAt: previousOk },
        { from: 'ALARM', to: 'ALARM', at: at(k * 30 + 1), previousAt: start },
        { from: 'ALARM', to: 'ALARM', at: at(k * 30 + 2), previousAt: at(k * 30 + 1) },
        { from: 'ALARM', to: 'OK', at: at(k * 30 + 5), previousAt: at(k * 30 + 2) },
      ] as const;
      steps.forEach((step, i) =>
        events.push({
          event: alarmEvent({ id: `${rule.id}-${k}-${i}`, alarmName: name, ...step }),
          ruleId: rule.id,
          at: step.at.getTime(),
        }),
      );
      previousOk = at(k * 30 + 5);
    }
  }
  return events.sort((a, b) => a.at - b.at || a.ruleId.localeCompare(b.ruleId));
}

/** Moves each event at most `max` places (a seeded, bounded shuffle). */
function displace<T>(items: T[], max: number, random: () => number): T[] {
  return items
    .map((item, i) => ({ item, key: i + random() * max }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);
}

async function pool<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

async function checkLoad(s: Scenario, rules: Rule[]) {
  const incidents = (await s.deps.store.listStartedBetween(at(-120), at(400))).filter((i) =>
    i.ruleId.startsWith('load-'),
  );
  expect(incidents).toHaveLength(rules.length * 5);
  expect(incidents.filter((i) => i.state !== 'resolved').map((i) => i.id)).toEqual([]);
  // Every root shows what the store says.
  const roots = new Map(s.roots().map((m) => [m.ts, m.text]));
  const mismatched = incidents.filter((i) => !i.slack || !roots.get(i.slack.rootTs)?.includes('RESOLVED'));
  expect(mismatched.map((i) => i.id)).toEqual([]);
  expect(roots.size).toBe(incidents.length);
  expect(s.emails()).toHaveLength(incidents.length);
}

describe('500 events for 25 rules', () => {
  const rules = manyRules(25);

  it(
    'ends with every incident resolved when each event is moved up to 60 places',
    { timeout: 240_000 },
    async () => {
      // Used to: 17 of 25 incidents end open.
      const s = await scenario({ extraRules: rules });
      const events = displace(outageEvents(rules), 60, seededRandom(12));
      expect(events).toHaveLength(500);
      await pool(events, 10, async ({ event }) => {
        const result = await invokeAsync(event, s.deps);
        if (result instanceof Error) throw result;
      });
      await checkLoad(s, rules);
    },
  );

  it(
    'ends with every incident resolved, and every root matching the store, when all 500 arrive in a burst',
    { timeout: 240_000 },
    async () => {
      // Used to: 25 of 25 open; 5 roots said RESOLVED while the store said open.
      const s = await scenario({ extraRules: rules });
      const events = outageEvents(rules);
      await pool(events, 50, async ({ event }) => {
        const result = await invokeAsync(event, s.deps);
        if (result instanceof Error) throw result;
      });
      await checkLoad(s, rules);
    },
  );
});

// ---- killed mid-way, retried on Lambda's schedule -----------------------------------------

describe('invocations killed mid-way', () => {
  it.each([60, 120, 300])(
    'sends the page email when the invocation died right after claiming it (function timeout %i s)',
    async (timeoutSeconds) => {
      // Used to: the retry a minute later found the claim in progress and took it as done.
      const s = await scenario();
      const event = alarmEvent({ id: `kill-mail-${timeoutSeconds}`, at: T, from: 'OK', to: 'ALARM' });
      const before = h.sns.calls().length;
      h.sns.failNext({ hang: 'before' }, { when: (c) => c.action === 'Publish' });
      await abandoned(
        handleEvent(structuredClone(event), context(timeoutSeconds * 1000), s.deps),
        () => h.sns.calls().length > before,
      );
      expect(s.emails()).toEqual([]);

      clock.advance(LAMBDA_RETRY_DELAYS_MS[0]!);
      const retry = await invokeAsync(event, s.deps, timeoutSeconds * 1000);
      expect(processed(retry as HandleResult).email).toBe('sent');
      expect(s.emails()).toHaveLength(1);
      expect(s.roots()).toHaveLength(1);
    },
  );

  it('rewrites the root to RESOLVED when the invocation died while rewriting it', async () => {
    // Used to: the root said FIRING forever.
    const s = await scenario();
    await handleEvent(alarmEvent({ id: 'kill-root-1', at: T, from: 'OK', to: 'ALARM' }), context(), s.deps);
    const resolve = alarmEvent({ id: 'kill-root-2', at: at(20), from: 'ALARM', to: 'OK', previousAt: T });
    const updates = () => h.slack.calls('chat.update').length;
    const before = updates();
    h.slack.failNext({ kind: 'hang', accept: false }, { method: 'chat.update' });
    clock.advance(20 * MIN);
    await abandoned(handleEvent(structuredClone(resolve), context(), s.deps), () => updates() > before);
    expect(s.roots()[0]!.text).toContain('FIRING');

    clock.advance(LAMBDA_RETRY_DELAYS_MS[0]!);
    await invokeAsync(resolve, s.deps);
    expect(s.roots()).toHaveLength(1);
    expect(s.roots()[0]!.text).toContain('RESOLVED');
  });

  it('posts no second root when the invocation died after Slack accepted the root', async () => {
    // Used to: the retry posted a second root, and the first said FIRING forever.
    const s = await scenario();
    const event = alarmEvent({ id: 'kill-post-1', at: T, from: 'OK', to: 'ALARM' });
    const posts = () => h.slack.calls('chat.postMessage').length;
    const before = posts();
    h.slack.failNext({ kind: 'hang', accept: true }, { method: 'chat.postMessage' });
    await abandoned(handleEvent(structuredClone(event), context(), s.deps), () => posts() > before);
    expect(s.roots()).toHaveLength(1);

    clock.advance(LAMBDA_RETRY_DELAYS_MS[0]!);
    await invokeAsync(event, s.deps);
    clock.advance(20 * MIN);
    await invokeAsync(
      alarmEvent({ id: 'kill-post-2', at: at(20), from: 'ALARM', to: 'OK', previousAt: T }),
      s.deps,
    );
    const roots = s.roots();
    expect(roots).toHaveLength(1);
    expect(roots[0]!.text).toContain('RESOLVED');
    expect(s.emails()).toHaveLength(1);
  });

  it('publishes Incident Updated when the history write failed after the event was bound', async () => {
    // Used to: the retry replayed the binding and never published the event.
    const s = await scenario();
    const send = h.dynamo.doc.send.bind(h.dynamo.doc);
    let failed = 0;
    const failHistoryOnce = (async (command: { input?: { Item?: { sk?: unknown } } }, ...rest: unknown[]) => {
      if (failed === 0 && String(command.input?.Item?.sk ?? '').startsWith('EVENT#')) {
        failed++;
        throw Object.assign(new Error('Internal server error'), {
          name: 'InternalServerError',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        });
      }
      return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof h.dynamo.doc.send;
    await h.bus.idle();
    const seen = h.incidentEvents().length;
    h.dynamo.doc.send = failHistoryOnce;
    try {
      const result = await invokeAsync(alarmEvent({ id: 'hist-1', at: T, from: 'OK', to: 'ALARM' }), s.deps);
      expect(result).not.toBeInstanceOf(Error);
    } finally {
      h.dynamo.doc.send = send;
    }
    expect(failed).toBe(1);
    await h.bus.idle();
    const events = h
      .incidentEvents()
      .slice(seen)
      .map((e) => incidentUpdatedDetailSchema.parse(e.detail));
    expect(events.map((e) => [e.trigger.eventId, e.change])).toEqual([['hist-1', 'opened']]);
  });
});

// ---- Slack rate limits longer than an invocation -----------------------------------------

/** The deferral queue's event source mapping, on the fake clock. */
function deferralQueue(deps: TestDeps) {
  return createSqsEventSource({
    sqs: h.sqs,
    queue: DEFERRAL,
    invoke: (event: SQSEvent) => handleDeferredBatch(event, context(), deps),
  });
}

/** Runs deferred deliveries as they come due, until `until`. */
async function runDeferrals(deps: TestDeps, until: number): Promise<number> {
  const source = deferralQueue(deps);
  let delivered = 0;
  for (;;) {
    delivered += await source.drain();
    const next = h.sqs.nextVisibleAt(DEFERRAL);
    if (next === undefined || next > until) return delivered;
    nowMs = Math.max(nowMs, next);
  }
}

describe('Slack rate limits longer than an invocation', () => {
  it('defers the Slack page when Retry-After is longer than the invocation has left, and mails at once', async () => {
    // Used to: every attempt gave up at once; after Lambda's two retries (~3 min) the page was lost.
    const s = await scenario();
    const limit = T.getTime() + 5 * MIN;
    let active = true;
    h.slack.failNext(
      { kind: 'rate_limited', retryAfterSeconds: 300 },
      { method: 'chat.postMessage', times: 10_000, when: () => active && nowMs < limit },
    );
    try {
      const first = await invokeAsync(alarmEvent({ id: 'rl-1', at: T, from: 'OK', to: 'ALARM' }), s.deps);
      expect(first).toMatchObject({ kind: 'deferred', delaySeconds: 300, attempt: 1 });
      expect(s.emails()).toHaveLength(1);
      expect(s.roots()).toEqual([]);
      await runDeferrals(s.deps, T.getTime() + 30 * MIN);
    } finally {
      active = false;
    }
    expect(s.roots()).toHaveLength(1);
    expect(s.roots()[0]!.text).toContain('FIRING');
    expect(s.emails()).toHaveLength(1);
  });

  it('posts the root once a 10-minute burst of 429s ends, with the email sent on time', async () => {
    const s = await scenario();
    const end = T.getTime() + 10 * MIN;
    let active = true;
    h.slack.failNext(
      { kind: 'rate_limited', retryAfterSeconds: 30 },
      { method: 'chat.postMessage', times: 10_000, when: () => active && nowMs < end },
    );
    try {
      const first = processedOrDeferred(
        await invokeAsync(alarmEvent({ id: 'burst-1', at: T, from: 'OK', to: 'ALARM' }), s.deps),
      );
      expect(first).toMatchObject({ kind: 'deferred', delaySeconds: 30 });
      const incidentId = (await s.deps.store.findCurrent(RULE))!.id;
      const sentAt = async (channel: string) =>
        (await s.deps.store.deliveries.get(incidentId, { eventKey: 'incident', channel }))?.sentAt;
      expect(await sentAt('email')).toBe(T.toISOString());
      const deliveries = await runDeferrals(s.deps, T.getTime() + 60 * MIN);
      expect(deliveries).toBeGreaterThan(5);
      expect(deliveries).toBeLessThanOrEqual(25);
      const rootAt = Date.parse((await sentAt('slack-root'))!);
      expect(rootAt).toBeGreaterThanOrEqual(end);
      expect(rootAt).toBeLessThan(end + MIN);
    } finally {
      active = false;
    }
    const [root, ...more] = s.roots();
    expect(more).toEqual([]);
    expect(root!.text).toContain('FIRING');
    expect(s.emails()).toHaveLength(1);
  });
});
