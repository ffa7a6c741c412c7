/**
 * What AWS does around each minute, for every rule's X-Ray group (timing: local/aws-timing.ts):
 * - X-Ray counts the minute's traces that match the group (`ApproximateTraceCount`, by start
 *   time) and publishes the datapoint, which reaches CloudWatch after the metric delay;
 * - CloudWatch evaluates the rule's alarm once a minute, on the datapoints that have arrived
 *   (one still on its way is missing data at that evaluation);
 * - X-Ray Insights look at the group's fault rate (groups with Insights on), and each Insight
 *   notification reaches EventBridge after the notification delay, or, best effort, never.
 * State changes become `CloudWatch Alarm State Change` / `AWS X-Ray Insight Update` events on
 * the bus, which delivers them with the EventBridge patterns the stack deploys.
 *
 * A group created during the run (the scenario's `groupsCreatedAt`) sees only traces that
 * started after it exists, and its alarm starts then, in INSUFFICIENT_DATA.
 *
 * Before a minute is counted, every trace that started in it must be in the store: the caller
 * passes their ids and the loop waits for each one to be complete. What happens later than the
 * minute's close goes on the agenda; with ideal timing it all happens at the close.
 *
 * The alarm itself is judged by the CloudWatch evaluator (local/cloudwatch/alarm-evaluator.ts),
 * called only through `evaluateAlarm` on the datapoints this loop says have arrived.
 */
import { compileFilter } from '../../rules/filter';
import type { Trace } from '../../rules/filter/trace';
import { alarmName, groupName } from '../../rules/names';
import type { Rule, RuleSet } from '../../rules/schema';
import { IDEAL_TIMING, within, type AwsTiming } from '../aws-timing';
import {
  evaluateAlarm,
  evaluationRangePeriods,
  initialAlarmState,
  type AlarmState,
  type AlarmStateValue,
} from '../../rules/alarm';
import { alarmStateChangeEvent, type AwsAccount } from '../cloudwatch/alarm-event';
import { MINUTE_MS, periodDatapoints } from '../cloudwatch/group-metrics';
import type { BusEvent, Delivery, EventBus } from '../event-bus';
import { createPrng, type Prng } from '../scenario/prng';
import type { TraceStore } from '../trace-store';
import {
  DEFAULT_DETECTOR,
  detectMinute,
  type DetectorOptions,
  type DetectorOutput,
  type DetectorState,
} from '../xray/insight-detector';
import { insightUpdateEvent, newInsightId } from '../xray/insight-event';
import type { Agenda } from './agenda';

export interface MinuteLoopOptions {
  ruleSet: RuleSet;
  store: TraceStore;
  bus: EventBus;
  account: AwsAccount;
  now: () => number;
  /** When a stored trace is complete enough to be counted (all its segments arrived). */
  complete: (trace: Trace) => boolean;
  /** Wall milliseconds to wait for one trace's segments before counting without it. */
  traceWaitMs?: number;
  detector?: DetectorOptions;
  newId?: () => string;
  /** Every event put on the bus, with what the bus did with it. */
  onEvent?: (event: BusEvent, deliveries: Delivery[]) => void;
  /** Default IDEAL_TIMING: everything at the minute's close. */
  timing?: AwsTiming;
  /** Where work due after a minute's close is scheduled; required with delays in `timing`. */
  agenda?: Agenda;
  /** Seed of the timing draws (late datapoints, notification delays and drops). */
  seed?: number;
  /** Rule id → epoch ms its group comes into existence (default: before the run). */
  groupsCreatedAt?: Readonly<Record<string, number>>;
}

export interface MinuteReport {
  /** Epoch ms of the counted minute's start. */
  minuteStartMs: number;
  /** Matching traces per rule in the minute (the group metric's datapoint; 0 = none published). */
  counts: Record<string, number>;
  /** Events put on the bus during the close itself (delayed ones come later, see `history`). */
  events: BusEvent[];
  /** Trace ids that never completed within the wait (counted as far as they got). */
  late: string[];
}

/** What happened to one group, for the run's report. */
export interface GroupHistory {
  ruleId: string;
  group: string;
  createdAtMs: number | undefined;
  /** Per counted minute: matching traces, and when the datapoint reached CloudWatch. */
  datapoints: Array<{ minuteStartMs: number; count: number; arrivedAtMs: number }>;
  alarm: Array<{ atMs: number; from: AlarmStateValue; to: AlarmStateValue }>;
  /** Insight notifications: when X-Ray decided, and when delivered (undefined: dropped). */
  insights: Array<{
    kind: 'open' | 'update' | 'close';
    decidedAtMs: number;
    deliveredAtMs: number | undefined;
  }>;
}

export interface MinuteLoop {
  /** Counts the minute ending at `boundaryMs` and does (or schedules) what follows from it. */
  closeMinute(boundaryMs: number, traceIds: readonly string[]): Promise<MinuteReport>;
  alarmStates(): Record<string, AlarmStateValue>;
  /** Rule ids whose group has an open Insight (as X-Ray sees it, notified or not). */
  openInsights(): string[];
  /** No alarm in ALARM, no Insight open, no notification on its way: nothing left to happen. */
  settled(): boolean;
  history(): GroupHistory[];
}

interface GroupState {
  rule: Rule;
  group: string;
  createdAtMs: number | undefined;
  matches: (trace: Trace) => boolean;
  /** Minute start → { matching traces, arrival time } of the published datapoints. */
  published: Map<number, { count: number; arrivedAtMs: number }>;
  alarm: AlarmState | undefined;
  insight: DetectorState;
  history: GroupHistory;
}

export function createMinuteLoop(options: MinuteLoopOptions): MinuteLoop {
  const { ruleSet, store, bus, account } = options;
  const timing = options.timing ?? IDEAL_TIMING;
  const detector: DetectorOptions = {
    ...(options.detector ?? DEFAULT_DETECTOR),
    ...(timing.insightDelay ? { anomalousMinutes: timing.insightDelay.anomalousMinutes } : {}),
  };
  const newId = options.newId ?? newInsightId;
  const prng: Prng = createPrng(((options.seed ?? 0) ^ 0x5eed7141) >>> 0);
  const started = options.now();
  /** Insight notifications scheduled and not yet delivered. */
  const pending = new Set<GroupHistory['insights'][number]>();
  const groups: GroupState[] = ruleSet.rules.map((rule) => {
    const compiled = compileFilter(rule.group.filterExpression);
    const createdAtMs = options.groupsCreatedAt?.[rule.id];
    const group = groupName(ruleSet.namePrefix, rule.id);
    return {
      rule,
      group,
      createdAtMs,
      // A trace the engine cannot decide (missing data) does not count, as X-Ray would not
      // match it either; nor does one recorded before the group existed.
      matches: (trace) =>
        compiled.outcome(trace) === true &&
        (createdAtMs === undefined || trace.startTime * 1000 >= createdAtMs),
      published: new Map(),
      alarm: rule.alarm && createdAtMs === undefined ? initialAlarmState(new Date(started)) : undefined,
      insight: { baseline: undefined },
      history: { ruleId: rule.id, group, createdAtMs, datapoints: [], alarm: [], insights: [] },
    };
  });

  async function waitForTraces(ids: readonly string[]): Promise<string[]> {
    const outcomes = await Promise.allSettled(
      ids.map((id) => store.waitFor(id, options.complete, options.traceWaitMs ?? 2_000)),
    );
    return ids.filter((_, i) => outcomes[i]?.status === 'rejected');
  }

  async function put(event: BusEvent, events: BusEvent[]): Promise<void> {
    events.push(event);
    const deliveries = await bus.put(event);
    options.onEvent?.(event, deliveries);
  }

  /** Runs `job` now when it is due, else schedules it (which needs an agenda). */
  async function when(atMs: number, label: string, job: () => Promise<void>): Promise<void> {
    if (atMs <= options.now()) return job();
    if (!options.agenda) throw new Error(`delayed AWS timing needs an agenda (${label})`);
    options.agenda.at(atMs, label, job);
  }

  function arrival(boundaryMs: number): number {
    const delay = timing.metricDelay;
    if (!delay) return boundaryMs;
    const late = prng.next() < delay.lateShare;
    return boundaryMs + within(late ? delay.late : delay, prng.next());
  }

  async function evaluateAlarmOf(state: GroupState, boundaryMs: number, events: BusEvent[]): Promise<void> {
    const settings = state.rule.alarm;
    if (!settings || !state.alarm) return;
    const at = options.now();
    const arrived = new Map<number, number>();
    for (const [minute, point] of state.published)
      if (point.arrivedAtMs <= at) arrived.set(minute, point.count);
    // CloudWatch retrieves the whole evaluation range, not only the evaluated periods.
    const points = periodDatapoints(arrived, settings, boundaryMs, evaluationRangePeriods(settings));
    const next = evaluateAlarm(settings, points, state.alarm, new Date(Math.max(at, boundaryMs)));
    if (next === state.alarm) return;
    const event = alarmStateChangeEvent(
      {
        alarmName: alarmName(ruleSet.namePrefix, state.rule.id),
        groupName: state.group,
        // As infra/constructs/rule-group.ts describes the alarm.
        description: `${state.rule.title} (rule ${state.rule.id}, owner ${state.rule.owner}). Runbook: ${state.rule.runbookUrl}`,
        settings,
      },
      state.alarm,
      next,
      account,
    );
    state.history.alarm.push({ atMs: at, from: state.alarm.value, to: next.value });
    state.alarm = next;
    await put(event, events);
  }

  async function notifyInsight(
    state: GroupState,
    output: NonNullable<DetectorOutput>,
    events: BusEvent[],
  ): Promise<void> {
    // X-Ray sends Insight events only for groups with notifications on.
    if (!state.rule.group.insightNotifications) return;
    const decidedAtMs = options.now();
    const entry: GroupHistory['insights'][number] = {
      kind: output.kind,
      decidedAtMs,
      deliveredAtMs: undefined,
    };
    state.history.insights.push(entry);
    const dropped = timing.insightDropShare !== undefined && prng.next() < timing.insightDropShare;
    const delay = timing.insightDelay ? within(timing.insightDelay.notify, prng.next()) : 0;
    if (dropped) return;
    pending.add(entry);
    await when(decidedAtMs + delay, `insight ${state.group} ${output.kind}`, async () => {
      pending.delete(entry);
      entry.deliveredAtMs = options.now();
      await put(insightUpdateEvent(state.group, output.snapshot, new Date(options.now()), account), events);
    });
  }

  function exists(state: GroupState, boundaryMs: number): boolean {
    return state.createdAtMs === undefined || state.createdAtMs < boundaryMs;
  }

  return {
    async closeMinute(boundaryMs, traceIds) {
      const late = await waitForTraces(traceIds);
      const minuteStartMs = boundaryMs - MINUTE_MS;
      const inMinute = store
        .list()
        .filter((t) => t.startTime * 1000 >= minuteStartMs && t.startTime * 1000 < boundaryMs);
      const events: BusEvent[] = [];
      const counts: Record<string, number> = {};

      for (const state of groups) {
        if (!exists(state, boundaryMs)) continue;
        if (state.rule.alarm && !state.alarm)
          state.alarm = initialAlarmState(new Date(state.createdAtMs ?? boundaryMs));
        const matching = inMinute.filter(state.matches);
        counts[state.rule.id] = matching.length;
        const arrivedAtMs = arrival(boundaryMs);
        state.history.datapoints.push({ minuteStartMs, count: matching.length, arrivedAtMs });
        // X-Ray publishes no zeros: a minute without matches is missing data.
        if (matching.length > 0) state.published.set(minuteStartMs, { count: matching.length, arrivedAtMs });

        if (state.rule.group.insights) {
          const { state: insight, output } = detectMinute(
            state.insight,
            minuteStartMs,
            matching,
            detector,
            newId,
          );
          state.insight = insight;
          if (output) await notifyInsight(state, output, events);
        }
      }
      await when(boundaryMs + (timing.alarmScheduleOffsetMs ?? 0), 'alarm evaluation', async () => {
        for (const state of groups)
          if (exists(state, boundaryMs)) await evaluateAlarmOf(state, boundaryMs, events);
      });
      return { minuteStartMs, counts, events, late };
    },

    alarmStates: () =>
      Object.fromEntries(groups.flatMap((g) => (g.alarm ? [[g.rule.id, g.alarm.value]] : []))),

    openInsights: () => groups.filter((g) => g.insight.open !== undefined).map((g) => g.rule.id),

    settled: () =>
      pending.size === 0 && groups.every((g) => g.alarm?.value !== 'ALARM' && g.insight.open === undefined),

    history: () => groups.map((g) => structuredClone(g.history)),
  };
}
