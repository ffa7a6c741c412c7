/**
 * The incident decision as a pure function: the table rows one by one, then property tests
 * (fast-check) over generated outage histories delivered in any order, duplicated and late.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alarmObservation, insightObservation } from '../../notifier/observation';
import {
  decide,
  decideManualResolve,
  EMPTY_LEDGER,
  type Decision,
  type Observation,
  type RuleLedger,
} from './decide';

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

// ---- manual resolve (rule 8) ---------------------------------------------------------------

const press = (ledger: RuleLedger, incidentId: string, at: number, eventId = `m${++seq}`) =>
  decideManualResolve(ledger, { eventId, incidentId, at: t(at).getTime(), by: 'U0ONCALL1' });

describe('manual resolve, row by row', () => {
  const open = () => play([alarm('OK', 'ALARM', 0, -60), insight('ACTIVE', 1, 1)]);

  it('resolves an open incident at the press, remembering what was still firing; replays; leaves others alone', () => {
    const { ledger, decisions } = open();
    const id = decisions[0]!.incidentId!;
    const d = press(ledger, id, 4, 'click-1');
    expect(d).toMatchObject({ change: 'resolved', write: true, incidentId: id });
    expect(d.changes).toEqual([{ incidentId: id, change: 'resolved', version: 3 }]);
    const span = d.ledger.spans[0]!;
    expect(span).toMatchObject({ state: 'resolved', resolvedAt: t(4).getTime(), activeSources: [] });
    expect(span.manualResolve).toEqual({
      at: t(4).getTime(),
      by: 'U0ONCALL1',
      stillFiring: ['alarm', 'insight'],
    });

    expect(press(d.ledger, id, 9, 'click-1')).toMatchObject({
      replayed: true,
      write: false,
      change: 'resolved',
    });
    expect(press(d.ledger, id, 9)).toMatchObject({ change: 'already-resolved', write: false });
    expect(press(d.ledger, 'r@nope', 9)).toMatchObject({ change: 'no-incident', write: false });
  });

  it('keeps late evidence from before the press in the resolved incident, and never reopens it', () => {
    const { ledger, decisions } = open();
    const id = decisions[0]!.incidentId!;
    const resolved = press(ledger, id, 4).ledger;
    const late = decide(resolved, alarm('ALARM', 'ALARM', 3, 0), options);
    expect(late.incidentId).toBe(id);
    expect(late.change).toBe('already-resolved');
    expect(late.ledger.spans.map((s) => s.state)).toEqual(['resolved']);
  });

  it('opens a new incident (never a reopen) for a firing after the press, even within the reopen window', () => {
    const { ledger, decisions } = play([alarm('OK', 'ALARM', 0, -60)]);
    const id = decisions[0]!.incidentId!;
    const resolved = press(ledger, id, 4).ledger;
    // Still in ALARM: an update after the press is news.
    const update = decide(resolved, alarm('ALARM', 'ALARM', 6, 0), options);
    expect(update.change).toBe('opened');
    expect(update.incidentId).not.toBe(id);
    expect(summary(update.ledger)).toEqual([
      { first: t(0).toISOString(), state: 'resolved', resolvedAt: t(4).toISOString() },
      { first: new Date(t(4).getTime() + 1).toISOString(), state: 'open', resolvedAt: undefined },
    ]);
    // A flap after an OK we never saw: a new incident too, not a reopen.
    const again = decide(resolved, alarm('OK', 'ALARM', 8, 7), options);
    expect(again.change).toBe('opened');
  });

  it('lets the alarm’s OK after the press close nothing new: the outage was already declared over', () => {
    const { ledger, decisions } = play([alarm('OK', 'ALARM', 0, -60)]);
    const id = decisions[0]!.incidentId!;
    const resolved = press(ledger, id, 4).ledger;
    const ok = decide(resolved, alarm('ALARM', 'OK', 9, 0), options);
    expect(ok).toMatchObject({ change: 'already-resolved', incidentId: id });
    expect(summary(ok.ledger)).toEqual([
      { first: t(0).toISOString(), state: 'resolved', resolvedAt: t(4).toISOString() },
    ]);
    // The next outage, minutes later, opens its own incident.
    expect(decide(ok.ledger, alarm('OK', 'ALARM', 12, 9), options).change).toBe('opened');
  });

  it('opens a new incident for an Insight update after the press, from the press on', () => {
    const { ledger, decisions } = play([insight('ACTIVE', 0, 0)]);
    const id = decisions[0]!.incidentId!;
    const resolved = press(ledger, id, 3).ledger;
    const update = decide(resolved, insight('ACTIVE', 5, 0), options);
    expect(update.change).toBe('opened');
    expect(update.ledger.spans[1]!.firstFiredAt).toBe(t(3).getTime() + 1);
    const closed = decide(update.ledger, insight('CLOSED', 8, 0), options);
    expect(closed).toMatchObject({ change: 'resolved', incidentId: update.incidentId });
    expect(closed.ledger.spans[0]!.resolvedAt).toBe(t(3).getTime());
  });
});

describe('manual resolve, properties', () => {
  it('a pressed incident stays resolved at the press whatever arrives after, in any order; later firings page as new incidents', () => {
    let pressedRuns = 0;
    let newAfterPress = 0;
    fc.assert(
      fc.property(
        historyArb('alarm+insight').chain((outages) =>
          fc.tuple(
            fc.constant(outages),
            deliveries(outages, MAX_DELAY_MS),
            // An integer share: fast-check's doubles crowd near 0.
            fc.integer({ min: 0, max: 1000 }),
            fc.integer({ min: 0, max: 10 }),
          ),
        ),
        ([, order, where, afterMinutes]) => {
          let ledger = EMPTY_LEDGER;
          const cut = Math.floor((where / 1000) * order.length);
          for (const o of order.slice(0, cut)) ledger = decide(ledger, o, options).ledger;
          const target = ledger.spans.find((s) => s.state === 'open');
          if (!target) return;
          const seen = Math.max(...order.slice(0, cut).map((o) => o.asOf));
          const m = seen + afterMinutes * MIN;
          const pressed = decideManualResolve(ledger, {
            eventId: 'press',
            incidentId: target.id,
            at: m,
            by: 'U0ONCALL1',
          });
          expect(pressed.change).toBe('resolved');
          pressedRuns += 1;
          ledger = pressed.ledger;
          const at = ledger.spans.find((s) => s.id === target.id)!.manualResolve!.at;
          for (const o of order.slice(cut)) {
            const d = decide(ledger, o, options);
            ledger = d.ledger;
            for (const c of d.changes) {
              if (c.incidentId === target.id)
                expect(['reopened', 'attached', 'opened']).not.toContain(c.change);
              else if (c.change === 'opened') newAfterPress += 1;
            }
            const span = ledger.spans.find((s) => s.manualResolve?.by === 'U0ONCALL1');
            if (!span) continue; // split away by a late quiet proof and dropped past MAX_SPANS: rare
            expect(span).toMatchObject({ state: 'resolved', resolvedAt: at, activeSources: [] });
            expect(span.lastFiringAt).toBeLessThanOrEqual(at);
          }
          // Every span that is open at the end began after the press.
          for (const span of ledger.spans.filter((s) => s.state === 'open')) {
            expect(span.firstFiredAt).toBeGreaterThan(at);
          }
          expect(
            decideManualResolve(ledger, { eventId: 'press', incidentId: target.id, at: m, by: 'x' }).replayed,
          ).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    // The generator really presses, and firings after the press really open incidents.
    expect(pressedRuns).toBeGreaterThan(100);
    expect(newAfterPress).toBeGreaterThan(20);
  });
});
