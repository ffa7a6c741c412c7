/**
 * What AWS does once a minute, for every rule's X-Ray group:
 * - publishes `ApproximateTraceCount` (traces that started in the minute and match the
 *   group's filter), and CloudWatch evaluates the rule's alarm on it;
 * - lets X-Ray Insights look at the group's fault rate (groups with Insights on).
 * State changes become `CloudWatch Alarm State Change` / `AWS X-Ray Insight Update` events
 * on the bus, which delivers them with the EventBridge patterns the stack deploys.
 *
 * Before a minute is evaluated, every trace that started in it must be in the store: the
 * caller passes their ids and the loop waits for each one to be complete.
 */
import { compileFilter } from '../../rules/filter';
import type { Trace } from '../../rules/filter/trace';
import { alarmName, groupName } from '../../rules/names';
import type { Rule, RuleSet } from '../../rules/schema';
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
import type { TraceStore } from '../trace-store';
import {
  DEFAULT_DETECTOR,
  detectMinute,
  type DetectorOptions,
  type DetectorState,
} from '../xray/insight-detector';
import { insightUpdateEvent, newInsightId } from '../xray/insight-event';

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
}

export interface MinuteReport {
  /** Epoch ms of the evaluated minute's start. */
  minuteStartMs: number;
  /** Matching traces per rule in the minute (the group metric's datapoint; 0 = none published). */
  counts: Record<string, number>;
  events: BusEvent[];
  /** Trace ids that never completed within the wait (counted as far as they got). */
  late: string[];
}

export interface MinuteLoop {
  evaluate(boundaryMs: number, traceIds: readonly string[]): Promise<MinuteReport>;
  alarmStates(): Record<string, AlarmStateValue>;
  /** Rule ids whose group has an open Insight. */
  openInsights(): string[];
}

interface GroupState {
  rule: Rule;
  group: string;
  matches: (trace: Trace) => boolean;
  /** Minute start → matching traces (the published datapoints). */
  counts: Map<number, number>;
  alarm: AlarmState | undefined;
  insight: DetectorState;
}

export function createMinuteLoop(options: MinuteLoopOptions): MinuteLoop {
  const { ruleSet, store, bus, account } = options;
  const detector = options.detector ?? DEFAULT_DETECTOR;
  const newId = options.newId ?? newInsightId;
  const started = new Date(options.now());
  const groups: GroupState[] = ruleSet.rules.map((rule) => {
    const compiled = compileFilter(rule.group.filterExpression);
    return {
      rule,
      group: groupName(ruleSet.namePrefix, rule.id),
      // A trace the engine cannot decide (missing data) does not count, as X-Ray would not match it either.
      matches: (trace) => compiled.outcome(trace) === true,
      counts: new Map(),
      alarm: rule.alarm ? initialAlarmState(started) : undefined,
      insight: { baseline: undefined },
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

  return {
    async evaluate(boundaryMs, traceIds) {
      const late = await waitForTraces(traceIds);
      const minuteStartMs = boundaryMs - MINUTE_MS;
      const inMinute = store
        .list()
        .filter((t) => t.startTime * 1000 >= minuteStartMs && t.startTime * 1000 < boundaryMs);
      const now = new Date(Math.max(options.now(), boundaryMs));
      const events: BusEvent[] = [];
      const counts: Record<string, number> = {};

      for (const state of groups) {
        const matching = inMinute.filter(state.matches);
        counts[state.rule.id] = matching.length;
        if (matching.length > 0) state.counts.set(minuteStartMs, matching.length);

        if (state.rule.alarm && state.alarm) {
          const settings = state.rule.alarm;
          // CloudWatch retrieves the whole evaluation range, not only the evaluated periods.
          const range = evaluationRangePeriods(settings);
          const points = periodDatapoints(state.counts, settings, boundaryMs, range);
          const next = evaluateAlarm(settings, points, state.alarm, now);
          if (next !== state.alarm) {
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
            state.alarm = next;
            await put(event, events);
          }
        }

        if (state.rule.group.insights) {
          const { state: insight, output } = detectMinute(
            state.insight,
            minuteStartMs,
            matching,
            detector,
            newId,
          );
          state.insight = insight;
          // X-Ray sends Insight events only for groups with notifications on.
          if (output && state.rule.group.insightNotifications) {
            await put(insightUpdateEvent(state.group, output.snapshot, now, account), events);
          }
        }
      }
      return { minuteStartMs, counts, events, late };
    },

    alarmStates: () =>
      Object.fromEntries(groups.flatMap((g) => (g.alarm ? [[g.rule.id, g.alarm.value]] : []))),

    openInsights: () => groups.filter((g) => g.insight.open !== undefined).map((g) => g.rule.id),
  };
}
