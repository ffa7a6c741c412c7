/**
 * The chaos run's ground truth: the outages of each rule, read from the alarm and Insight
 * events AWS emitted, in emission order, before the bus reordered, copied or delayed them, and
 * never from the incident store. These events are what the scenario's traffic made CloudWatch
 * and X-Ray say (local/pipeline/minute-loop.ts); an Insight notification X-Ray dropped was never
 * said, so it is not part of the truth.
 *
 * | source  | firing from                              | until                                       |
 * |---------|------------------------------------------|---------------------------------------------|
 * | alarm   | the `state.timestamp` of a change to     | the `state.timestamp` of the next change to |
 * |         | ALARM                                    | OK (INSUFFICIENT_DATA ends nothing: it says |
 * |         |                                          | nothing about the users)                    |
 * | Insight | its `StartTime`                          | the `EndTime` of its CLOSED event           |
 *
 * One outage of a rule is its sources' firing intervals joined where they overlap or lie within
 * the reopen window of each other (a flapping alarm is one outage, as it is one incident);
 * an interval with no end yet keeps the outage open.
 */
import type { AlertSource } from '../../functions/shared/incidents/model';
import { ruleIdFromAlarmName, ruleIdFromGroupName } from '../../rules/names';
import type { BusEvent } from '../event-bus';

export interface Outage {
  ruleId: string;
  startMs: number;
  /** Undefined: still firing when the run ended. */
  endMs: number | undefined;
  sources: AlertSource[];
  /** Ids of the events whose evidence lies in it. */
  eventIds: string[];
}

interface Interval {
  source: 'alarm' | 'insight';
  startMs: number;
  endMs: number | undefined;
  eventIds: string[];
}

export interface RuleTruth {
  outages: Outage[];
  /** Every source that spoke ended resolved: the alarm's last word OK, each Insight closed. */
  allSourcesResolved: boolean;
}

export function groundTruth(
  events: readonly BusEvent[],
  namePrefix: string,
  reopenWindowMs: number,
): Map<string, RuleTruth> {
  const byRule = new Map<string, Interval[]>();
  const resolved = new Map<string, boolean>();
  const add = (ruleId: string, interval: Interval) => {
    byRule.set(ruleId, [...(byRule.get(ruleId) ?? []), interval]);
  };
  for (const [ruleId, alarm] of group(events, (e) => alarmOf(e, namePrefix))) {
    const { intervals, firingAtEnd } = alarmIntervals(alarm);
    intervals.forEach((i) => add(ruleId, i));
    resolved.set(ruleId, !firingAtEnd);
  }
  for (const [ruleId, insights] of group(events, (e) => insightOf(e, namePrefix))) {
    const intervals = insightIntervals(insights);
    intervals.forEach((i) => add(ruleId, i));
    resolved.set(ruleId, (resolved.get(ruleId) ?? true) && intervals.every((i) => i.endMs !== undefined));
  }
  const truth = new Map<string, RuleTruth>();
  for (const [ruleId, intervals] of byRule) {
    truth.set(ruleId, {
      outages: join(ruleId, intervals, reopenWindowMs),
      allSourcesResolved: resolved.get(ruleId) ?? true,
    });
  }
  return truth;
}

interface AlarmWord {
  id: string;
  value: string;
  atMs: number;
}

interface InsightWord {
  id: string;
  insightId: string;
  state: string;
  startMs: number;
  endMs: number | undefined;
  atMs: number;
}

function alarmOf(event: BusEvent, prefix: string): [string, AlarmWord] | undefined {
  if (event.source !== 'aws.cloudwatch') return undefined;
  const detail = event.detail as { alarmName?: string; state?: { value?: string; timestamp?: string } };
  const ruleId = detail.alarmName ? ruleIdFromAlarmName(prefix, detail.alarmName) : undefined;
  const atMs = Date.parse(detail.state?.timestamp ?? '');
  if (!ruleId || !detail.state?.value || !Number.isFinite(atMs)) return undefined;
  return [ruleId, { id: event.id, value: detail.state.value, atMs }];
}

function insightOf(event: BusEvent, prefix: string): [string, InsightWord] | undefined {
  if (event.source !== 'aws.xray') return undefined;
  const detail = event.detail as {
    GroupName?: string;
    InsightId?: string;
    State?: string;
    StartTime?: number;
    EndTime?: number | null;
    Event?: { EventTime?: string };
  };
  const ruleId = detail.GroupName ? ruleIdFromGroupName(prefix, detail.GroupName) : undefined;
  if (!ruleId || !detail.InsightId || !detail.State || typeof detail.StartTime !== 'number') return undefined;
  return [
    ruleId,
    {
      id: event.id,
      insightId: detail.InsightId,
      state: detail.State,
      startMs: detail.StartTime * 1000,
      endMs: typeof detail.EndTime === 'number' ? detail.EndTime * 1000 : undefined,
      atMs: Date.parse(detail.Event?.EventTime ?? event.time),
    },
  ];
}

function group<T>(
  events: readonly BusEvent[],
  read: (event: BusEvent) => [string, T] | undefined,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const event of events) {
    const read1 = read(event);
    if (read1) out.set(read1[0], [...(out.get(read1[0]) ?? []), read1[1]]);
  }
  return out;
}

function alarmIntervals(words: AlarmWord[]): { intervals: Interval[]; firingAtEnd: boolean } {
  const intervals: Interval[] = [];
  let open: Interval | undefined;
  for (const word of [...words].sort((a, b) => a.atMs - b.atMs)) {
    if (word.value === 'ALARM') {
      open ??= { source: 'alarm', startMs: word.atMs, endMs: undefined, eventIds: [] };
      open.eventIds.push(word.id);
    } else if (word.value === 'OK' && open) {
      open.endMs = word.atMs;
      open.eventIds.push(word.id);
      intervals.push(open);
      open = undefined;
    }
  }
  if (open) intervals.push(open);
  return { intervals, firingAtEnd: open !== undefined };
}

function insightIntervals(words: InsightWord[]): Interval[] {
  const byInsight = new Map<string, InsightWord[]>();
  for (const w of words) byInsight.set(w.insightId, [...(byInsight.get(w.insightId) ?? []), w]);
  return [...byInsight.values()].map((list) => {
    const closed = list.find((w) => w.state === 'CLOSED');
    return {
      source: 'insight',
      startMs: Math.min(...list.map((w) => w.startMs)),
      endMs: closed ? (closed.endMs ?? closed.atMs) : undefined,
      eventIds: list.map((w) => w.id),
    };
  });
}

function join(ruleId: string, intervals: Interval[], windowMs: number): Outage[] {
  const outages: Outage[] = [];
  for (const interval of [...intervals].sort((a, b) => a.startMs - b.startMs)) {
    const last = outages.at(-1);
    if (last && (last.endMs === undefined || interval.startMs <= last.endMs + windowMs)) {
      last.endMs =
        last.endMs === undefined || interval.endMs === undefined
          ? undefined
          : Math.max(last.endMs, interval.endMs);
      if (!last.sources.includes(interval.source)) last.sources.push(interval.source);
      last.eventIds.push(...interval.eventIds);
      continue;
    }
    outages.push({
      ruleId,
      startMs: interval.startMs,
      endMs: interval.endMs,
      sources: [interval.source],
      eventIds: [...interval.eventIds],
    });
  }
  return outages;
}
