/**
 * Which incident an event belongs to, decided by the event's own times, never by arrival
 * order: a pure function of (the rule's ledger, one observation, the reopen window). The store
 * applies its result under one conditional write of the ledger (ledger.ts), so concurrent
 * events of one rule are decided one after the other.
 *
 * What an event says (`Observation`, built from the alert by observation.ts):
 *
 * | event                         | source state | firing evidence          | quiet proof          |
 * |-------------------------------|--------------|--------------------------|----------------------|
 * | alarm OK/INSUFF. → ALARM at t | firing, as of t | [t, t]                | OK → ALARM: [prev t, t) |
 * | alarm ALARM → ALARM at t      | firing, as of t | [previous t, t]       |                      |
 * | alarm ALARM → OK at t         | ok, as of t  | [previous t, t] (outage) |                      |
 * | alarm OK/INSUFF. → OK at t    | ok, as of t  |                          |                      |
 * | Insight ACTIVE, event time e  | firing, as of e | [StartTime, e]        |                      |
 * | Insight CLOSED, event time e  | ok, as of e  | [StartTime, EndTime] (outage) |                 |
 * | test alert at t               | firing / ok, as of t | [t, t] when firing |                     |
 * | INSUFFICIENT_DATA             | a note: changes no state (see alert.ts)                       |
 *
 * The decision, in order:
 *
 * | # | rule                                                                                       |
 * |---|--------------------------------------------------------------------------------------------|
 * | 1 | An event already applied (same event id) replays its first decision.                      |
 * | 2 | *Fresh* = newer than what the ledger holds for its source (event time; at equal times a   |
 * |   | resolve outranks a firing). Only a fresh event changes its source's state.                |
 * | 3 | A quiet proof longer than the reopen window (an OK → ALARM whose OK began more than the    |
 * |   | window before it, and no other source fired in between) separates outages: an open        |
 * |   | incident whose evidence all lies before it is resolved at the start of the quiet (its     |
 * |   | resolve was lost or is late); one with evidence on both sides is split in two, the later  |
 * |   | part a new incident that pages. Late proofs split as well as fresh ones.                  |
 * | 4 | Firing evidence belongs to the incident it overlaps, widened by the reopen window on both |
 * |   | sides (an open incident reaches forward without limit). A resolved incident reached      |
 * |   | within the window by a fresh firing reopens: flapping stays one thread; the age is the    |
 * |   | firing's own start minus the resolution, so an event from before the resolution never    |
 * |   | reopens by age. A firing whose end is unknown counts, for this match only, as lasting     |
 * |   | until the next known quiet of its source began (the OK began when that outage ended).    |
 * | 5 | Evidence that falls in no incident opens one: a fresh firing opens it open; a resolve     |
 * |   | (ALARM → OK, Insight CLOSED) opens it already resolved, and so does a late event of an    |
 * |   | outage nobody recorded. Either way it pages: the page then says it already resolved.      |
 * | 6 | Late evidence (not fresh) changes no source's state; it may only widen the span of the    |
 * |   | incident it falls in (an earlier start, a later end of a resolved one) or, by 3 and 5,    |
 * |   | record an outage of its own.                                                              |
 * | 7 | Finally each source's latest word decides: the incident holding a source's latest firing  |
 * |   | evidence has that source active; an incident with an active source is open, one without  |
 * |   | is resolved (at its last firing evidence, or the resolve that ended it).                  |
 * | 8 | A manual resolve (Resolve pressed at m, `decideManualResolve`) overrides rule 7 for its    |
 * |   | incident: it stays resolved at m and never reopens, not even within the window. Firing     |
 * |   | evidence after m opens a new incident that pages (its part up to m changes nothing); a     |
 * |   | resolve's evidence after m is dropped (already declared over); evidence up to m, however   |
 * |   | late, stays in the resolved incident. PagerDuty and Grafana OnCall do the same: a new      |
 * |   | alert after a manual resolve is a new incident. So with the alarm still in ALARM, nothing  |
 * |   | pages until CloudWatch reports a change (it sends changes only) or an Insight update after |
 * |   | m arrives; the page says at the press which sources were still firing.                     |
 *
 * So the final state is the one implied by the latest event of each source, whatever the order
 * and however often each event arrives, as long as each arrives within the reopen window of
 * its own time (Lambda's async retries take about 1 then 2 minutes): the property tests in
 * decide.test.ts check it with fast-check.
 *
 * Known limit, beyond that: spans are split on proof (rule 3) but never merged, and an
 * Insight carries no proof of quiet. So a piece of an outage that arrives later than the
 * window, into a gap no quiet proof covers yet, is recorded and paged as an outage of its own
 * (already resolved). Nothing is lost; the count can be one too many. Rejected: merging
 * incidents after the fact (both were already paged; one thread would have to be retired)
 * and holding every decision until the window has passed (it would delay every page).
 *
 * Bounds (a ledger is one DynamoDB item): the newest MAX_SPANS incidents, MAX_QUIET quiet
 * proofs per source, MAX_APPLIED event decisions, MAX_INTERVALS evidence intervals per source
 * and incident (the closest two merge when over: fewer splits, never a wrong one).
 */
import type { AlertSource } from './model';

export const MAX_SPANS = 20;
export const MAX_QUIET = 20;
export const MAX_APPLIED = 50;
export const MAX_INTERVALS = 16;

/** Epoch milliseconds, inclusive. */
export type Interval = readonly [number, number];

export type Change =
  | 'opened'
  | 'opened-resolved'
  | 'attached'
  | 'reopened'
  | 'resolved'
  | 'still-open'
  | 'already-resolved'
  | 'corrected'
  | 'noted'
  | 'stale'
  | 'no-incident';

export interface Observation {
  eventId: string;
  source: AlertSource;
  /** `note`: INSUFFICIENT_DATA, which neither fires nor resolves. */
  state: 'firing' | 'ok' | 'note';
  /** The event's own time (epoch ms): orders the events of one source. */
  asOf: number;
  /** When the source was known to be firing: the firing so far, or the outage a resolve proves. */
  firing?: Interval | undefined;
  /** OK → ALARM: the source was quiet from this time (epoch ms) until `asOf`. */
  quietSince?: number | undefined;
}

export interface SourceRecord {
  state: 'firing' | 'ok';
  asOf: number;
  eventId: string;
  /** Firing: the incident holding this evidence. */
  spanId?: string | undefined;
}

/** An incident as the decision sees it: its time span and sources (no impact, no Slack). */
export interface Span {
  id: string;
  state: 'open' | 'resolved';
  firstFiredAt: number;
  /** Latest firing evidence. */
  lastFiringAt: number;
  /** Latest event time applied to it. */
  lastEventAt: number;
  resolvedAt?: number | undefined;
  activeSources: AlertSource[];
  /** Every source that ever fired in it. */
  sources: AlertSource[];
  reopenedCount: number;
  evidence: Partial<Record<AlertSource, Interval[]>>;
  /** Bumped on every change of the span: orders mirrors, root rewrites and events. */
  version: number;
  /** A person resolved it (rule 8): it stays resolved at `at`, whatever its sources say later. */
  manualResolve?: ManualResolution | undefined;
}

export interface ManualResolution {
  /** Epoch ms: the resolve's time (never before the span's last firing evidence). */
  at: number;
  /** Slack user id of whoever pressed Resolve. */
  by: string;
  /** Sources still firing when it was pressed. */
  stillFiring: AlertSource[];
}

/** Resolve pressed on an incident's page: applied to the ledger like an event, by its own id. */
export interface ManualResolve {
  /** The interaction's id: a retried or replayed click replays the first decision (rule 1). */
  eventId: string;
  incidentId: string;
  /** When it was pressed (epoch ms). */
  at: number;
  by: string;
}

export interface SpanChange {
  incidentId: string;
  change: Change;
  version: number;
}

export interface AppliedEvent {
  eventId: string;
  incidentId: string | undefined;
  change: Change;
}

export interface RuleLedger {
  sources: Partial<Record<AlertSource, SourceRecord>>;
  spans: Span[];
  quiet: Partial<Record<AlertSource, Interval[]>>;
  applied: AppliedEvent[];
}

export const EMPTY_LEDGER: RuleLedger = { sources: {}, spans: [], quiet: {}, applied: [] };

export interface DecideOptions {
  reopenWindowMs: number;
  /** Incident id for a span first fired at `firstFiredAt` (the store adds the rule id). */
  newId: (firstFiredAt: number) => string;
}

export interface Decision {
  ledger: RuleLedger;
  /** False: nothing to write (a replay, a note, a stale event that widened nothing). */
  write: boolean;
  incidentId: string | undefined;
  change: Change;
  /** Every incident that changed, the event's own first; each gets a mirror and an event. */
  changes: SpanChange[];
  replayed: boolean;
}

export function decide(ledger: RuleLedger, o: Observation, options: DecideOptions): Decision {
  const done = ledger.applied.find((a) => a.eventId === o.eventId);
  if (done) {
    return {
      ledger,
      write: false,
      incidentId: done.incidentId,
      change: done.change,
      changes: [],
      replayed: true,
    };
  }
  if (o.state === 'note') {
    const open = latestOpen(ledger.spans);
    return {
      ledger,
      write: false,
      incidentId: open?.id,
      change: open ? 'noted' : 'no-incident',
      changes: [],
      replayed: false,
    };
  }
  return new Decider(ledger, o, options).run();
}

class Decider {
  private spans: Span[];
  private readonly sources: Partial<Record<AlertSource, SourceRecord>>;
  private readonly quiet: Partial<Record<AlertSource, Interval[]>>;
  private readonly before: Map<string, Span>;
  private readonly created = new Set<string>();
  private readonly W: number;
  private readonly fresh: boolean;

  constructor(
    private readonly ledger: RuleLedger,
    private readonly o: Observation,
    private readonly options: DecideOptions,
  ) {
    this.spans = ledger.spans.map(cloneSpan);
    this.sources = { ...ledger.sources };
    this.quiet = Object.fromEntries(Object.entries(ledger.quiet).map(([k, v]) => [k, [...v]]));
    this.before = new Map(ledger.spans.map((s) => [s.id, s]));
    this.W = options.reopenWindowMs;
    this.fresh = isFresh(ledger.sources[o.source], o);
  }

  run(): Decision {
    const { o } = this;
    if (o.quietSince !== undefined && o.quietSince < o.asOf) this.applyQuiet(o.quietSince, o.asOf);

    let home: Span | undefined;
    const firing = o.firing && this.clipAtManualResolve(o.firing);
    if (firing) {
      // Coverage may assume the firing lasted until its source's next known quiet; the
      // recorded evidence is only what the event proves.
      home = this.covering(this.extendToQuiet(firing));
      if (home) this.widen(home, firing);
      else home = this.create(firing);
    } else if (this.fresh) {
      // A resolve without an outage of its own (OK → OK) ends what its source was firing in.
      const held = this.ledger.sources[o.source]?.spanId;
      home = this.spans.find((s) => s.id === held);
    }
    if (this.fresh) this.recordSource(home);
    if (home) this.touch(home, o.asOf);
    this.normalize();
    return this.result(home);
  }

  /** Rule 3: a quiet proof longer than the window separates what lies on either side. */
  private applyQuiet(q: number, a: number): void {
    const { o } = this;
    addInterval(this.quiet, o.source, [q, a], MAX_QUIET);
    const next: Span[] = [];
    for (const span of this.spans) {
      const start = quietStart(span, o.source, q, a);
      if (start === undefined || a - start <= this.W) {
        next.push(span);
        continue;
      }
      const [early, late] = splitEvidence(span.evidence, start, a);
      if (isEmpty(early)) {
        next.push(span);
        continue;
      }
      if (isEmpty(late)) {
        if (span.state === 'open') {
          // Its resolve was lost or is still on its way: the quiet says when it ended.
          this.retire(span, start);
        }
        next.push(span);
        continue;
      }
      const later = this.newSpan(late, span);
      this.retire(span, start, early);
      // The resolve was pressed in the later part (evidence is clipped at it): it goes there.
      if (span.manualResolve) {
        later.manualResolve = span.manualResolve;
        later.resolvedAt = span.manualResolve.at;
        delete span.manualResolve;
      }
      for (const record of Object.values(this.sources)) {
        if (record?.spanId === span.id && record.asOf >= a) record.spanId = later.id;
      }
      next.push(span, later);
    }
    this.spans = sortSpans(next);
  }

  /**
   * Rule 8: evidence across a manual resolve at m. A firing's part after m is news (it opens
   * an incident of its own, as a new alert does in PagerDuty after a manual resolve); its part
   * up to m changes nothing the incident shows. A resolve's part after m is dropped: the
   * outage was already declared over.
   */
  private clipAtManualResolve(firing: Interval): Interval {
    const across = this.spans
      .flatMap((s) => (s.manualResolve ? [s.manualResolve.at] : []))
      .filter((m) => firing[0] <= m && firing[1] > m)
      .sort((a, b) => b - a)[0];
    if (across === undefined) return firing;
    return this.o.state === 'firing' ? [across + 1, firing[1]] : [firing[0], across];
  }

  /**
   * A firing whose end is unknown lasted until the next known quiet of its source began (a
   * resolve's end is exact and is not moved).
   */
  private extendToQuiet(firing: Interval): Interval {
    if (this.o.state !== 'firing') return firing;
    const quiet = (this.quiet[this.o.source] ?? []).filter(([q]) => q >= firing[1]);
    if (quiet.length === 0) return firing;
    const q = Math.min(...quiet.map(([start]) => start));
    return [firing[0], q];
  }

  /** Rule 4: the incident this evidence overlaps (widened by the window), latest first. */
  private covering(evidence: Interval): Span | undefined {
    const [start, end] = evidence;
    for (const span of [...this.spans].reverse()) {
      // A manually resolved incident holds what happened up to its resolve, and never reopens.
      const reach = span.manualResolve
        ? span.manualResolve.at - this.W
        : span.state === 'open'
          ? Number.POSITIVE_INFINITY
          : (span.resolvedAt ?? span.lastFiringAt);
      if (start <= reach + this.W && end >= span.firstFiredAt - this.W) return span;
    }
    return undefined;
  }

  private widen(span: Span, firing: Interval): void {
    const previous = this.spans[this.spans.indexOf(span) - 1];
    // After a manual resolve at m, the next incident begins after m (rule 8), whatever the evidence.
    const floor = !previous
      ? Number.NEGATIVE_INFINITY
      : previous.manualResolve
        ? previous.manualResolve.at + 1
        : (previous.resolvedAt ?? previous.lastFiringAt);
    const start = Math.max(firing[0], floor);
    if (start < span.firstFiredAt) span.firstFiredAt = start;
    if (firing[1] > span.lastFiringAt) span.lastFiringAt = firing[1];
    // A resolved incident's end moves later only on evidence that it went on longer.
    if (span.state === 'resolved' && span.resolvedAt !== undefined && firing[1] > span.resolvedAt) {
      span.resolvedAt = firing[1];
    }
    addInterval(span.evidence, this.o.source, [start, firing[1]], MAX_INTERVALS);
    addOnce(span.sources, this.o.source);
  }

  /** Rule 5: evidence no incident holds is an outage of its own (late or not). */
  private create(firing: Interval): Span {
    const span = this.newSpan({ [this.o.source]: [firing] }, undefined);
    this.spans = sortSpans([...this.spans, span]);
    return span;
  }

  private newSpan(evidence: Partial<Record<AlertSource, Interval[]>>, from: Span | undefined): Span {
    const all = Object.values(evidence).flat();
    const first = Math.min(...all.map(([s]) => s));
    const last = Math.max(...all.map(([, e]) => e));
    // Born resolved: the last step opens it if a source's latest word is firing in it.
    const resolvedAt = from ? from.resolvedAt : last;
    const span: Span = {
      id: this.uniqueId(first),
      state: from?.state ?? 'resolved',
      firstFiredAt: first,
      lastFiringAt: last,
      lastEventAt: last,
      ...(resolvedAt === undefined ? {} : { resolvedAt }),
      activeSources: [...(from?.activeSources ?? [])],
      sources: Object.keys(evidence) as AlertSource[],
      reopenedCount: 0,
      evidence: Object.fromEntries(Object.entries(evidence).map(([k, v]) => [k, [...v]])),
      version: 0,
    };
    this.created.add(span.id);
    return span;
  }

  private retire(span: Span, at: number, evidence?: Partial<Record<AlertSource, Interval[]>>): void {
    if (evidence) {
      span.evidence = evidence;
      const all = Object.values(evidence).flat();
      span.lastFiringAt = Math.max(...all.map(([, e]) => e));
      span.sources = span.sources.filter((s) => (evidence[s]?.length ?? 0) > 0);
    }
    // Another source whose latest word is still firing here reopens it in the last step.
    span.state = 'resolved';
    span.activeSources = [];
    span.resolvedAt = Math.max(at, span.lastFiringAt);
  }

  private recordSource(home: Span | undefined): void {
    const { o } = this;
    this.sources[o.source] = {
      state: o.state === 'firing' ? 'firing' : 'ok',
      asOf: o.asOf,
      eventId: o.eventId,
      ...(o.state === 'firing' && home ? { spanId: home.id } : {}),
    };
  }

  private touch(span: Span, at: number): void {
    if (at > span.lastEventAt) span.lastEventAt = at;
  }

  /** Rule 7: each source's latest word decides which incident is open. */
  private normalize(): void {
    const { o } = this;
    const endedBy = this.fresh && o.state === 'ok' ? (o.firing?.[1] ?? o.asOf) : undefined;
    const heldBefore = this.ledger.sources[o.source]?.spanId;
    for (const span of this.spans) {
      if (span.manualResolve) {
        span.state = 'resolved';
        span.activeSources = [];
        continue;
      }
      const active = (Object.entries(this.sources) as Array<[AlertSource, SourceRecord]>)
        .filter(([, r]) => r.state === 'firing' && r.spanId === span.id)
        .map(([s]) => s);
      const was = span.state;
      span.activeSources = active;
      if (active.length > 0) {
        if (was === 'resolved') {
          span.state = 'open';
          delete span.resolvedAt;
          if (!this.created.has(span.id)) span.reopenedCount += 1;
        }
      } else if (was === 'open') {
        span.state = 'resolved';
        const ours = endedBy !== undefined && span.id === heldBefore;
        span.resolvedAt = ours ? Math.max(span.lastFiringAt, endedBy) : span.lastFiringAt;
      }
    }
  }

  private result(home: Span | undefined): Decision {
    const changes: SpanChange[] = [];
    for (const span of this.spans) {
      const old = this.before.get(span.id);
      const change = this.changeOf(old, span, span === home);
      if (change === undefined) continue;
      span.version = (old?.version ?? 0) + 1;
      changes.push({ incidentId: span.id, change, version: span.version });
    }
    const primary = home ? changes.find((c) => c.incidentId === home.id) : undefined;
    const change: Change =
      primary?.change ?? (home ? (this.fresh ? 'already-resolved' : 'stale') : this.noHome());
    changes.sort((a, b) => (a.incidentId === home?.id ? -1 : b.incidentId === home?.id ? 1 : 0));
    const spans = this.spans.slice(-MAX_SPANS);
    const kept = new Set(spans.map((s) => s.id));
    for (const record of Object.values(this.sources)) {
      if (record?.spanId !== undefined && !kept.has(record.spanId)) record.spanId = undefined;
    }
    const ledger: RuleLedger = {
      sources: this.sources,
      spans,
      quiet: this.quiet,
      applied: [...this.ledger.applied, { eventId: this.o.eventId, incidentId: home?.id, change }].slice(
        -MAX_APPLIED,
      ),
    };
    return {
      ledger,
      write: this.fresh || changes.length > 0,
      incidentId: home?.id,
      change,
      changes,
      replayed: false,
    };
  }

  private noHome(): Change {
    if (!this.fresh) return 'stale';
    const open = latestOpen(this.spans);
    return open ? 'still-open' : 'no-incident';
  }

  private changeOf(old: Span | undefined, span: Span, isHome: boolean): Change | undefined {
    if (!old) return span.state === 'open' ? 'opened' : 'opened-resolved';
    if (old.state === 'resolved' && span.state === 'open') return 'reopened';
    if (old.state === 'open' && span.state === 'resolved') return 'resolved';
    const widened =
      old.firstFiredAt !== span.firstFiredAt ||
      old.resolvedAt !== span.resolvedAt ||
      old.sources.length !== span.sources.length;
    if (isHome && this.fresh && span.state === 'open') {
      return this.o.state === 'firing' ? 'attached' : 'still-open';
    }
    return widened ? 'corrected' : undefined;
  }

  private uniqueId(first: number): string {
    const base = this.options.newId(first);
    const taken = new Set(this.spans.map((s) => s.id));
    if (!taken.has(base) && !this.created.has(base)) return base;
    for (let n = 2; ; n++) {
      const id = `${base}~${n}`;
      if (!taken.has(id) && !this.created.has(id)) return id;
    }
  }
}

/**
 * Rule 8: Resolve pressed on an incident's page. An open incident becomes resolved at the press
 * (or at its last firing evidence, if later), and remembers the sources still firing; a resolved
 * or unknown one is left as it is. Replays like any event (rule 1).
 */
export function decideManualResolve(ledger: RuleLedger, m: ManualResolve): Decision {
  const done = ledger.applied.find((a) => a.eventId === m.eventId);
  const unchanged = (change: Change, incidentId: string | undefined, replayed = false): Decision => ({
    ledger,
    write: false,
    incidentId,
    change,
    changes: [],
    replayed,
  });
  if (done) return unchanged(done.change, done.incidentId, true);
  const found = ledger.spans.find((s) => s.id === m.incidentId);
  if (!found) return unchanged('no-incident', undefined);
  if (found.state === 'resolved') return unchanged('already-resolved', found.id);

  const spans = ledger.spans.map(cloneSpan);
  const span = spans.find((s) => s.id === m.incidentId)!;
  const at = Math.max(m.at, span.lastFiringAt);
  span.manualResolve = { at, by: m.by, stillFiring: [...span.activeSources] };
  span.state = 'resolved';
  span.resolvedAt = at;
  span.activeSources = [];
  span.lastEventAt = Math.max(span.lastEventAt, m.at);
  span.version += 1;
  const applied = [
    ...ledger.applied,
    { eventId: m.eventId, incidentId: span.id, change: 'resolved' as const },
  ];
  return {
    ledger: { ...ledger, spans, applied: applied.slice(-MAX_APPLIED) },
    write: true,
    incidentId: span.id,
    change: 'resolved',
    changes: [{ incidentId: span.id, change: 'resolved', version: span.version }],
    replayed: false,
  };
}

/** Rule 2: newer event time wins; at equal times a resolve outranks a firing. */
export function isFresh(record: SourceRecord | undefined, o: Observation): boolean {
  if (!record) return true;
  if (o.asOf !== record.asOf) return o.asOf > record.asOf;
  return o.state === 'ok' && record.state === 'firing';
}

/**
 * Where the rule was quiet within [q, a) in this span: q pushed past other sources' evidence
 * that ends inside the gap; undefined when another source fired across `a`.
 */
function quietStart(span: Span, source: AlertSource, q: number, a: number): number | undefined {
  let start = q;
  for (const [other, intervals] of Object.entries(span.evidence) as Array<[AlertSource, Interval[]]>) {
    if (other === source) continue;
    for (const [s, e] of intervals) {
      if (s >= a || e <= start) continue;
      if (e >= a) return undefined;
      start = e;
    }
  }
  return start;
}

type Evidence = Partial<Record<AlertSource, Interval[]>>;

function splitEvidence(evidence: Evidence, start: number, a: number): [Evidence, Evidence] {
  const early: Evidence = {};
  const late: Evidence = {};
  for (const [source, intervals] of Object.entries(evidence) as Array<[AlertSource, Interval[]]>) {
    for (const [s, e] of intervals) {
      if (s <= start) (early[source] ??= []).push([s, Math.min(e, start)]);
      if (e >= a) (late[source] ??= []).push([Math.max(s, a), e]);
    }
  }
  return [early, late];
}

function isEmpty(evidence: Evidence): boolean {
  return Object.values(evidence).every((v) => v.length === 0);
}

function latestOpen(spans: readonly Span[]): Span | undefined {
  return [...spans].reverse().find((s) => s.state === 'open');
}

function sortSpans(spans: Span[]): Span[] {
  return [...spans].sort((a, b) => a.firstFiredAt - b.firstFiredAt || a.id.localeCompare(b.id));
}

function cloneSpan(span: Span): Span {
  return {
    ...span,
    activeSources: [...span.activeSources],
    sources: [...span.sources],
    evidence: Object.fromEntries(Object.entries(span.evidence).map(([k, v]) => [k, [...v]])),
    ...(span.manualResolve
      ? { manualResolve: { ...span.manualResolve, stillFiring: [...span.manualResolve.stillFiring] } }
      : {}),
  };
}

function addOnce<T>(list: T[], item: T): void {
  if (!list.includes(item)) list.push(item);
}

/** Adds an interval, merging overlapping ones; over `max`, the two closest merge. */
function addInterval(
  into: Partial<Record<AlertSource, Interval[]>>,
  source: AlertSource,
  interval: Interval,
  max: number,
): void {
  const list = [...(into[source] ?? []), interval].sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const [s, e] of list) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  while (merged.length > max) {
    let best = 0;
    for (let i = 1; i < merged.length - 1; i++) {
      if (merged[i + 1]![0] - merged[i]![1] < merged[best + 1]![0] - merged[best]![1]) best = i;
    }
    merged.splice(best, 2, [merged[best]![0], merged[best + 1]![1]]);
  }
  into[source] = merged;
}
