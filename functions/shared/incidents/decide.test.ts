/**
 * The incident decision as a pure function: the table rows one by one, then property tests
 * (fast-check) over generated outage histories delivered in any order, duplicated and late.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alarmObservation, insightObservation } from '../../notifier/observation';
import { decide, EMPTY_LEDGER, type Decision, type Observation, type RuleLedger } from './decide';

const MIN = 60_000;
const W = 15 * MIN;
const T0 = Date.parse('2026-03-02T10:00:00Z');
const t = (minutes: number) => new Date(T0 + minutes * MIN);
const options = { reopenWindowMs: W, newId: (first: number) => `r@${new Date(first).toISOString()}` };

let seq = 0;
const alarm = (
  previous: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
  current: typeof previous,
  at: number,
  previousAt: number,
) => alarmObservation({ eventId: `a${++seq}`, previous, current, at: t(at), previousAt: t(previousAt) });
const insight = (state: 'ACTIVE' | 'CLOSED', at: number, startedAt: number) =>
  insightObservation({
    eventId: `i${++seq}`,
    state,
    at: t(at),
    startedAt: t(startedAt),
    endedAt: state === 'CLOSED' ? t(at) : undefined,
  });

function play(observations: readonly Observation[], start: RuleLedger = EMPTY_LEDGER) {
  let ledger = start;
  const decisions: Decision[] = [];
  for (const o of observations) {
    const d = decide(ledger, o, options);
    decisions.push(d);
    ledger = d.ledger;
  }
  return { ledger, decisions };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const summary = (ledger: RuleLedger) =>
  ledger.spans.map((s) => ({ first: iso(s.firstFiredAt), state: s.state, resolvedAt: iso(s.resolvedAt) }));

describe('incident decision, row by row', () => {
  it('opens on a firing, attaches a second source, resolves when the last source clears', () => {
    const { decisions, ledger } = play([
      alarm('OK', 'ALARM', 0, -60),
      insight('ACTIVE', 2, 1),
      alarm('ALARM', 'OK', 6, 0),
      insight('CLOSED', 9, 1),
    ]);
    expect(decisions.map((d) => d.change)).toEqual(['opened', 'attached', 'still-open', 'resolved']);
    expect(new Set(decisions.map((d) => d.incidentId)).size).toBe(1);
    expect(summary(ledger)).toEqual([{ first: iso(T0), state: 'resolved', resolvedAt: t(9).toISOString() }]);
  });

  it('lets a resolve that arrives first open the incident already resolved; the late firing changes nothing', () => {
    const { decisions, ledger } = play([alarm('ALARM', 'OK', 10, 0), alarm('OK', 'ALARM', 0, -60)]);
    expect(decisions.map((d) => d.change)).toEqual(['opened-resolved', 'stale']);
    expect(summary(ledger)).toEqual([
      { first: t(0).toISOString(), state: 'resolved', resolvedAt: t(10).toISOString() },
    ]);
    // A new outage three hours later opens a new incident.
    const later = decide(ledger, alarm('OK', 'ALARM', 180, 10), options);
    expect(later.change).toBe('opened');
    expect(later.incidentId).not.toBe(decisions[0]!.incidentId);
  });

  it('never reopens on a late update, a late Insight ACTIVE, or a firing older than the resolution', () => {
    const base = play([alarm('OK', 'ALARM', 0, -60), alarm('ALARM', 'OK', 10, 0)]).ledger;
    expect(decide(base, alarm('ALARM', 'ALARM', 5, 0), options).change).toBe('stale');
    expect(decide(base, alarm('OK', 'ALARM', 0, -60), options).change).toBe('stale');
    const closed = play([insight('ACTIVE', 0, 0), insight('CLOSED', 10, 0)]).ledger;
    expect(decide(closed, insight('ACTIVE', 5, 0), options).change).toBe('stale');
  });

  it('reopens within the window by event time, and opens a new incident after it', () => {
    const base = play([alarm('OK', 'ALARM', 0, -60), alarm('ALARM', 'OK', 10, 0)]).ledger;
    expect(decide(base, alarm('OK', 'ALARM', 25, 10), options).change).toBe('reopened');
    expect(decide(base, alarm('OK', 'ALARM', 26, 10), options).change).toBe('opened');
  });

  it('closes an open incident whose resolve was lost when an OK → ALARM proves a long quiet', () => {
    const { decisions, ledger } = play([alarm('OK', 'ALARM', 0, -60), alarm('OK', 'ALARM', 180, 10)]);
    expect(decisions.map((d) => d.change)).toEqual(['opened', 'opened']);
    expect(decisions[1]!.changes.map((c) => c.change)).toEqual(['opened', 'resolved']);
    expect(summary(ledger)).toEqual([
      { first: t(0).toISOString(), state: 'resolved', resolvedAt: t(10).toISOString() },
      { first: t(180).toISOString(), state: 'open', resolvedAt: undefined },
    ]);
  });

  it('splits an incident when a late OK → ALARM shows two outages were taken for one', () => {
    const { decisions, ledger } = play([
      alarm('OK', 'ALARM', 0, -60),
      alarm('ALARM', 'OK', 50, 40),
      alarm('OK', 'ALARM', 40, 10),
      alarm('ALARM', 'OK', 10, 0),
    ]);
    expect(decisions.map((d) => d.change)).toEqual(['opened', 'resolved', 'opened-resolved', 'stale']);
    expect(summary(ledger)).toEqual([
      { first: t(0).toISOString(), state: 'resolved', resolvedAt: t(10).toISOString() },
      { first: t(40).toISOString(), state: 'resolved', resolvedAt: t(50).toISOString() },
    ]);
  });

  it('keeps a flapping alarm one incident even when the second flap arrives first', () => {
    const { ledger } = play([
      alarm('OK', 'ALARM', 20, 10),
      alarm('OK', 'ALARM', 0, -60),
      alarm('ALARM', 'OK', 30, 20),
      alarm('ALARM', 'OK', 10, 0),
    ]);
    expect(summary(ledger)).toEqual([
      { first: t(0).toISOString(), state: 'resolved', resolvedAt: t(30).toISOString() },
    ]);
  });

  it('records a late outage nobody saw as its own incident, already resolved', () => {
    const { decisions, ledger } = play([alarm('OK', 'ALARM', 100, 60), alarm('ALARM', 'OK', 20, 5)]);
    expect(decisions.map((d) => d.change)).toEqual(['opened', 'opened-resolved']);
    expect(summary(ledger).map((s) => s.state)).toEqual(['resolved', 'open']);
  });

  it('replays an event already decided, and notes no-data without changing state', () => {
    const fire = alarm('OK', 'ALARM', 0, -60);
    const first = decide(EMPTY_LEDGER, fire, options);
    const again = decide(first.ledger, fire, options);
    expect(again).toMatchObject({
      replayed: true,
      write: false,
      change: 'opened',
      incidentId: first.incidentId,
    });
    expect(decide(first.ledger, alarm('ALARM', 'INSUFFICIENT_DATA', 3, 0), options)).toMatchObject({
      change: 'noted',
      write: false,
    });
    expect(decide(EMPTY_LEDGER, alarm('OK', 'INSUFFICIENT_DATA', 3, 0), options).change).toBe('no-incident');
  });
});

// ---- properties --------------------------------------------------------------------------

interface Outage {
  /** Minutes. */
  start: number;
  end: number;
  ongoing: boolean;
  observations: Observation[];
}

type Sources = 'alarm' | 'alarm+insight' | 'insight';

/** A valid history: outages separated by more than the window; alarm flaps inside one. */
function historyArb(sources: Sources) {
  const flap = fc.record({ length: fc.integer({ min: 1, max: 30 }), quiet: fc.integer({ min: 1, max: 15 }) });
  const outage = fc.record({
    gapBefore: fc.integer({ min: 16, max: 200 }),
    flaps: fc.array(flap, { minLength: 1, maxLength: 3 }),
    updates: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
    insight: fc.record({
      from: fc.double({ min: 0, max: 1, noNaN: true }),
      to: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  });
  return fc
    .record({ outages: fc.array(outage, { minLength: 1, maxLength: 4 }), ongoing: fc.boolean() })
    .map(({ outages, ongoing }) => buildHistory(sources, outages, ongoing));
}

function buildHistory(
  sources: Sources,
  specs: Array<{
    gapBefore: number;
    flaps: Array<{ length: number; quiet: number }>;
    updates: number[];
    insight: { from: number; to: number };
  }>,
  ongoing: boolean,
): Outage[] {
  const outages: Outage[] = [];
  let clock = 0;
  let lastOk = -300;
  specs.forEach((spec, index) => {
    const last = index === specs.length - 1;
    clock += spec.gapBefore;
    const start = clock;
    const observations: Observation[] = [];
    const hasAlarm = sources !== 'insight';
    const hasInsight = sources !== 'alarm';
    if (hasAlarm) {
      spec.flaps.forEach((f, i) => {
        if (i > 0) clock += f.quiet;
        const on = clock;
        observations.push(alarm('OK', 'ALARM', on, lastOk));
        let previous = on;
        for (const u of [...spec.updates].sort()) {
          const at = Math.round(on + u * f.length);
          if (at <= previous || at >= on + f.length) continue;
          observations.push(alarm('ALARM', 'ALARM', at, previous));
          previous = at;
        }
        clock = on + f.length;
        const endsOngoing = last && ongoing && i === spec.flaps.length - 1;
        if (!endsOngoing) {
          observations.push(alarm('ALARM', 'OK', clock, previous));
          lastOk = clock;
        }
      });
    } else {
      clock += spec.flaps.reduce((sum, f) => sum + f.length, 0);
    }
    let end = clock;
    if (hasInsight) {
      const from = Math.round(start + Math.min(spec.insight.from, spec.insight.to) * (end - start));
      const to = Math.max(
        from + 1,
        Math.round(start + Math.max(spec.insight.from, spec.insight.to) * (end - start)),
      );
      const insightStart = hasAlarm ? from : start;
      const insightEnd = hasAlarm ? to : end;
      observations.push(insight('ACTIVE', insightStart, insightStart));
      if (insightEnd - insightStart > 2) observations.push(insight('ACTIVE', insightStart + 1, insightStart));
      if (!(last && ongoing && !hasAlarm)) observations.push(insight('CLOSED', insightEnd, insightStart));
      end = Math.max(end, insightEnd);
    }
    const isOngoing = last && ongoing;
    outages.push({ start, end, ongoing: isOngoing, observations });
    clock = Math.max(clock, end);
  });
  return outages;
}

/**
 * Every event 1–3 times, each copy delivered at its event time plus a delay drawn by
 * fast-check from [0, maxDelay] (ties in drawn order).
 */
function deliveries(outages: Outage[], maxDelayMs: number) {
  const all = outages.flatMap((o) => o.observations);
  return fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: all.length, maxLength: all.length }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: all.length * 3,
        maxLength: all.length * 3,
      }),
    )
    .map(([copies, delays]) => {
      const list = all.flatMap((o, i) => Array.from({ length: copies[i]! }, () => o));
      const keyed = list.map((o, i) => ({ o, at: o.asOf + delays[i]! * maxDelayMs }));
      return keyed.sort((a, b) => a.at - b.at).map(({ o }) => o);
    });
}

function checkFinal(outages: Outage[], ledger: RuleLedger, decisions: Decision[]) {
  // Each real outage is exactly one incident, in the right state and with its true span.
  expect(summary(ledger)).toEqual(
    outages.map((o) => ({
      first: t(o.start).toISOString(),
      state: o.ongoing ? 'open' : 'resolved',
      resolvedAt: o.ongoing ? undefined : t(o.end).toISOString(),
    })),
  );
  const created = decisions
    .flatMap((d) => d.changes)
    .filter((c) => c.change === 'opened' || c.change === 'opened-resolved');
  expect(created).toHaveLength(outages.length);
}

/**
 * Any delay shorter than the reopen window: far beyond Lambda's async retries (about 1 then
 * 2 minutes) and EventBridge's redelivery. Beyond the window the decision stays safe (every
 * outage still pages) but may count a very late piece of one outage as an outage of its own.
 */
const MAX_DELAY_MS = W - MIN;

describe('incident decision, properties', () => {
  for (const sources of ['alarm', 'alarm+insight', 'insight'] as const) {
    it(`${sources}: any interleaving, duplication and delay under the reopen window ends in the state each source's latest event implies, one incident per outage`, () => {
      fc.assert(
        fc.property(
          historyArb(sources).chain((outages) =>
            fc.tuple(fc.constant(outages), deliveries(outages, MAX_DELAY_MS)),
          ),
          ([outages, order]) => {
            const { ledger, decisions } = play(order);
            checkFinal(outages, ledger, decisions);
          },
        ),
        { numRuns: 500 },
      );
    });
  }
});
