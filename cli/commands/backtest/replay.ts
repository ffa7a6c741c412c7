/**
 * The replay: what AWS and the notifier would have done with a trace source, for one or more
 * rules at once (the shipped rule and an edited copy share one read of the file).
 *
 * 1. Group metric: every trace goes through each rule's filter (the project's filter engine,
 *    or X-Ray's own decision for traces X-Ray returned for that filter); matches are counted per
 *    minute of their start, as the group's `ApproximateTraceCount`.
 * 2. Alarm: `alarmTimeline()` runs CloudWatch's evaluation (rules/alarm) at every minute.
 * 3. Incidents: for each ALARM … OK span, the notifier's own GetTraceSummaries window
 *    (the state-change event CloudWatch would send, through the notifier's parser and
 *    `buildQuery`), and over the matching traces in it the notifier's user aggregation
 *    (functions/notifier/aggregate.ts).
 *
 * Two passes over the source: the first counts and flags the lines that matched; the second
 * parses only the flagged lines and aggregates the ones inside an incident's window. Memory is
 * one 32-bit flag word per line plus the per-minute counts, whatever the file size.
 */
import type { TraceSummary } from '@aws-sdk/client-xray';
import {
  createAggregation,
  addSummary,
  topUsers,
  totals,
  type Aggregation,
} from '../../../functions/notifier/aggregate';
import { buildQuery } from '../../../functions/notifier/enrich';
import type { AggregateTotals, UserImpact } from '../../../functions/notifier/enrichment';
import { parseEvent } from '../../../functions/notifier/parse';
import { alarmStateChangeEvent } from '../../../local/cloudwatch/alarm-event';
import { MINUTE_MS } from '../../../local/cloudwatch/group-metrics';
import { inTimeRange } from '../../../local/trace-store';
import type { AlarmState } from '../../../rules/alarm';
import type { Trace } from '../../../rules/filter';
import { alarmName, groupName } from '../../../rules/names';
import type { Rule } from '../../../rules/schema';
import { alarmTimeline, incidentsOf, type AlarmTimeline, type IncidentSpan } from './timeline';
import type { ScanStats, TraceSource } from './trace-file';

/** One rule as the replay sees it. At most 32 per replay (one flag bit each). */
export interface ReplayVariant {
  /** Unique within a replay, e.g. the rule id, or `<id> (edited)`. */
  key: string;
  rule: Rule;
  /** Does the group contain this trace? `undefined`: the filter cannot decide it offline. */
  matches: (trace: Trace) => boolean | undefined;
}

export interface Span {
  /** First minute (epoch ms, on a minute boundary). */
  startMs: number;
  minutes: number;
}

export interface IncidentReplay extends IncidentSpan {
  /** The notifier's GetTraceSummaries window for this incident. */
  query: { startMs: number; endMs: number; filterExpression: string };
  /** The busiest minute between the first evaluated datapoint and the end. */
  peak: { count: number; minuteMs: number };
  /** Most affected users, the notifier's ranking, as many as the rule's `enrichment.topUsers`. */
  users: UserImpact[];
  totals: AggregateTotals;
}

export interface VariantReplay {
  variant: ReplayVariant;
  matched: number;
  /** Traces the filter could not decide offline (counted as not matching, as X-Ray would need them decided). */
  undecided: number;
  counts: Map<number, number>;
  /** Undefined for a rule without an alarm. */
  timeline: AlarmTimeline | undefined;
  incidents: IncidentReplay[];
}

export interface ReplayResult {
  stats: ScanStats;
  /** Traces inside the span (all of them unless a span or clip was given). */
  tracesInSpan: number;
  /** Undefined when the source held no trace and no span was given. */
  span: Span | undefined;
  variants: VariantReplay[];
}

export interface ReplayOptions {
  /** The span to evaluate (a live query's window); default: the minutes the traces cover. */
  span?: Span;
  /** Without `span`: only traces starting in [startMs, endMs) count; the span runs to the bounds given. */
  clip?: { startMs?: number; endMs?: number };
  /** Account and region on the synthetic alarm events (they only reach the notifier's parser). */
  account?: { account: string; region: string };
  namePrefix: string;
}

const MAX_VARIANTS = 32;

export async function replay(
  source: TraceSource,
  variants: readonly ReplayVariant[],
  options: ReplayOptions,
): Promise<ReplayResult> {
  if (variants.length === 0 || variants.length > MAX_VARIANTS) {
    throw new RangeError(`a replay takes 1 to ${MAX_VARIANTS} rules, not ${variants.length}`);
  }
  const states = variants.map((variant) => ({
    variant,
    matched: 0,
    undecided: 0,
    counts: new Map<number, number>(),
  }));
  let flags = new Uint32Array(1024);
  const from = options.span?.startMs ?? options.clip?.startMs ?? Number.NEGATIVE_INFINITY;
  const to = options.span
    ? options.span.startMs + options.span.minutes * MINUTE_MS
    : (options.clip?.endMs ?? Number.POSITIVE_INFINITY);
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  let tracesInSpan = 0;

  const stats = await source.scan((record, line) => {
    // A live read that stopped early covers less than it fetched: traces outside are not counted.
    const startMs = record.trace.startTime * 1000;
    if (startMs < from || startMs >= to) return;
    tracesInSpan++;
    if (startMs < firstMs) firstMs = startMs;
    if (startMs > lastMs) lastMs = startMs;
    let bits = 0;
    for (let v = 0; v < states.length; v++) {
      const state = states[v]!;
      const outcome = state.variant.matches(record.trace);
      if (outcome === undefined) {
        state.undecided++;
        continue;
      }
      if (!outcome) continue;
      state.matched++;
      bits |= 1 << v;
      const minute = Math.floor((record.trace.startTime * 1000) / MINUTE_MS) * MINUTE_MS;
      state.counts.set(minute, (state.counts.get(minute) ?? 0) + 1);
    }
    if (bits === 0) return;
    if (line >= flags.length) {
      const grown = new Uint32Array(Math.max(flags.length * 2, line + 1));
      grown.set(flags);
      flags = grown;
    }
    flags[line]! |= bits;
  });

  // Where the clip gives a bound, the span runs to it: a file of one group's traces (a saved
  // live read) says nothing about the quiet minutes at its ends.
  const span =
    options.span ??
    spanOf(
      options.clip?.startMs ?? firstMs,
      options.clip?.endMs !== undefined ? options.clip.endMs - 1 : lastMs,
    );
  const replays: VariantReplay[] = states.map((state) => {
    const alarm = state.variant.rule.alarm;
    const timeline =
      alarm !== undefined && span !== undefined
        ? alarmTimeline(alarm, state.counts, span.startMs, span.minutes)
        : undefined;
    const incidents = timeline
      ? incidentsOf(timeline).map((incident) =>
          withQuery(incident, state.variant.rule, span!, state.counts, options),
        )
      : [];
    return { ...state, timeline, incidents };
  });

  await aggregateIncidents(source, replays, flags);
  return { stats, tracesInSpan, span, variants: replays };
}

function spanOf(firstMs: number, lastMs: number): Span | undefined {
  if (!Number.isFinite(firstMs) || !Number.isFinite(lastMs)) return undefined;
  const startMs = Math.floor(firstMs / MINUTE_MS) * MINUTE_MS;
  const lastMinute = Math.floor(lastMs / MINUTE_MS) * MINUTE_MS;
  return { startMs, minutes: (lastMinute - startMs) / MINUTE_MS + 1 };
}

/** Placeholder results until the second pass fills them in. */
function withQuery(
  incident: IncidentSpan,
  rule: Rule,
  span: Span,
  counts: ReadonlyMap<number, number>,
  options: ReplayOptions,
): IncidentReplay {
  const spanEnd = span.startMs + span.minutes * MINUTE_MS;
  const query = notifierQuery(incident, rule, spanEnd, options);
  let peak = { count: 0, minuteMs: incident.enteredAt };
  const from = Math.ceil(incident.firstEvaluatedMs / MINUTE_MS) * MINUTE_MS;
  for (let minute = from; minute < query.endMs; minute += MINUTE_MS) {
    const count = counts.get(minute) ?? 0;
    if (count > peak.count) peak = { count, minuteMs: minute };
  }
  return { ...incident, query, peak, users: [], totals: totals(createAggregation()) };
}

/**
 * The window the notifier would query when the incident ends (the OK event), or, for one still
 * open at the end of the span, when CloudWatch re-sends ALARM then: the events are built as
 * CloudWatch sends them and read by the notifier's own parser, so the window is the notifier's.
 */
function notifierQuery(
  incident: IncidentSpan,
  rule: Rule,
  spanEndMs: number,
  options: ReplayOptions,
): IncidentReplay['query'] {
  const alarm = rule.alarm!;
  const endMs = incident.resolvedAt ?? spanEndMs;
  const current: AlarmState =
    incident.resolvedAt !== undefined
      ? { value: 'OK', reason: 'backtest', timestamp: new Date(incident.resolvedAt) }
      : { ...incident.alarm, timestamp: new Date(endMs) };
  const account = options.account ?? { account: '000000000000', region: 'us-east-1' };
  const event = alarmStateChangeEvent(
    {
      alarmName: alarmName(options.namePrefix, rule.id),
      groupName: groupName(options.namePrefix, rule.id),
      description: rule.title,
      settings: alarm,
    },
    incident.alarm,
    current,
    account,
  );
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const parsed = parseEvent(event, {
    namePrefix: options.namePrefix,
    accounts: [account.account],
    logger: silent,
  });
  if (parsed.kind !== 'alert') throw new Error(`the notifier would ignore the alarm event: ${parsed.reason}`);
  const query = buildQuery(parsed.alert, rule, new Date(endMs));
  return {
    startMs: query.startTime.getTime(),
    endMs: query.endTime.getTime(),
    filterExpression: query.filterExpression,
  };
}

async function aggregateIncidents(
  source: TraceSource,
  replays: VariantReplay[],
  flags: Uint32Array,
): Promise<void> {
  const work = replays
    .map((r, bit) => ({
      replay: r,
      bit: 1 << bit,
      aggregations: r.incidents.map(() =>
        createAggregation({ exampleTraces: r.variant.rule.enrichment.exampleTraces }),
      ),
      earliestStartFrom: earliestStartFrom(r.incidents),
    }))
    .filter((w) => w.replay.incidents.length > 0);
  if (work.length === 0) return;
  const wanted = work.reduce((bits, w) => bits | w.bit, 0);

  await source.scan(
    (record, line) => {
      const bits = flags[line]! & wanted;
      let summary: TraceSummary | undefined;
      for (const w of work) {
        if ((bits & w.bit) === 0 || w.replay.variant.matches(record.trace) !== true) continue;
        const incidents = w.replay.incidents;
        const traceEndMs = (record.trace.startTime + (record.trace.duration ?? 0)) * 1000;
        for (let i = firstEndingAfter(incidents, record.trace.startTime * 1000); i < incidents.length; i++) {
          if (w.earliestStartFrom[i]! > traceEndMs) break;
          const q = incidents[i]!.query;
          if (!inTimeRange(record.trace, q.startMs / 1000, q.endMs / 1000, 'Event')) continue;
          summary ??= record.summary();
          addSummary(w.aggregations[i]!, summary);
        }
      }
    },
    (line) => line < flags.length && (flags[line]! & wanted) !== 0,
  );

  for (const w of work) {
    w.replay.incidents.forEach((incident, i) => {
      const agg: Aggregation = w.aggregations[i]!;
      incident.users = topUsers(agg, w.replay.variant.rule.enrichment.topUsers);
      incident.totals = totals(agg);
    });
  }
}

/**
 * For each incident, the earliest window start among it and the ones after it: windows start
 * in incident order except the last one when still open (its window reaches back to the oldest
 * datapoint judged), so the scan stops where no later window can contain the trace.
 */
function earliestStartFrom(incidents: readonly IncidentReplay[]): number[] {
  const out = new Array<number>(incidents.length);
  let min = Number.POSITIVE_INFINITY;
  for (let i = incidents.length - 1; i >= 0; i--) {
    min = Math.min(min, incidents[i]!.query.startMs);
    out[i] = min;
  }
  return out;
}

/**
 * Index of the first incident whose window ends at or after `ms`. Incidents follow one another,
 * so their windows' ends only grow (their starts may overlap the previous incident's end).
 */
function firstEndingAfter(incidents: readonly IncidentReplay[], ms: number): number {
  let lo = 0;
  let hi = incidents.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (incidents[mid]!.query.endMs < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
