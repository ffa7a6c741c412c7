/**
 * A rule's alarm over a span of minutes, as CloudWatch would have run it: at every minute
 * boundary the evaluation range of its group metric goes through `evaluateAlarm()` (the
 * evaluator the local pipeline uses), and the state changes become incidents the way the
 * notifier opens and closes them (alert.ts): ALARM opens one, OK closes it, and
 * INSUFFICIENT_DATA neither opens nor closes.
 */
import {
  evaluateAlarm,
  evaluationRangePeriods,
  initialAlarmState,
  type AlarmState,
  type AlarmStateValue,
} from '../../../rules/alarm';
import type { AlarmSettings } from '../../../rules/schema';
import { MINUTE_MS, periodDatapoints, type MinuteCounts } from '../../../local/cloudwatch/group-metrics';

export interface AlarmTimeline {
  /** Boundary (epoch ms) of the first evaluation: the end of the span's first minute. */
  firstBoundaryMs: number;
  /** State after the evaluation at the end of each minute of the span, in order. */
  states: AlarmStateValue[];
  /** Every state change, with CloudWatch's reason. */
  changes: AlarmState[];
}

export interface IncidentSpan {
  /** The ALARM transition: when the notifier would have paged. */
  enteredAt: number;
  /** The OK transition; undefined when still open at the end of the span. */
  resolvedAt: number | undefined;
  /** The ALARM transition's state (reason and reasonData as CloudWatch would send them). */
  alarm: AlarmState;
  /** Start of the oldest datapoint the ALARM transition judged (reasonData `startDate`). */
  firstEvaluatedMs: number;
}

/**
 * Evaluates the alarm at the end of each of `minutes` minutes starting at `firstMinuteMs`. The
 * alarm starts INSUFFICIENT_DATA at the span's start, as a new alarm does.
 */
export function alarmTimeline(
  settings: AlarmSettings,
  counts: MinuteCounts,
  firstMinuteMs: number,
  minutes: number,
): AlarmTimeline {
  const periods = evaluationRangePeriods(settings);
  let state = initialAlarmState(new Date(firstMinuteMs));
  const states: AlarmStateValue[] = new Array<AlarmStateValue>(minutes);
  const changes: AlarmState[] = [];
  for (let i = 0; i < minutes; i++) {
    const boundary = firstMinuteMs + (i + 1) * MINUTE_MS;
    const range = periodDatapoints(counts, settings, boundary, periods);
    const next = evaluateAlarm(settings, range, state, new Date(boundary));
    if (next !== state) {
      changes.push(next);
      state = next;
    }
    states[i] = state.value;
  }
  return { firstBoundaryMs: firstMinuteMs + MINUTE_MS, states, changes };
}

export function incidentsOf(timeline: AlarmTimeline): IncidentSpan[] {
  const incidents: IncidentSpan[] = [];
  let open: IncidentSpan | undefined;
  for (const change of timeline.changes) {
    if (change.value === 'ALARM' && open === undefined) {
      open = {
        enteredAt: change.timestamp.getTime(),
        resolvedAt: undefined,
        alarm: change,
        firstEvaluatedMs: startDate(change) ?? change.timestamp.getTime(),
      };
      incidents.push(open);
    } else if (change.value === 'OK' && open !== undefined) {
      open.resolvedAt = change.timestamp.getTime();
      open = undefined;
    }
  }
  return incidents;
}

function startDate(state: AlarmState): number | undefined {
  if (state.reasonData === undefined) return undefined;
  const parsed = JSON.parse(state.reasonData) as { startDate?: unknown };
  if (typeof parsed.startDate !== 'string') return undefined;
  const ms = Date.parse(parsed.startDate.replace(/\+0000$/, 'Z'));
  return Number.isNaN(ms) ? undefined : ms;
}
