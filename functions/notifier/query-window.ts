/**
 * Which traces to ask X-Ray about: [start, end) in the terms GetTraceSummaries takes.
 *
 * - Alarm: the evaluated periods (evaluationPeriods × period) ending at the state change,
 *   anchored where the alarm entered ALARM (so a resolve looks back over the whole incident),
 *   widened by INGESTION_MARGIN_MS. The group metric counts traces as X-Ray stores them, and a
 *   trace is stored only after its segments arrive (Lambda sends them when the invocation
 *   ends; the daemon batches; indexing lags), so the traces behind the first breaching
 *   datapoint may have started up to a minute or so before that datapoint's period.
 * - Insight: StartTime (minus the same margin) to EndTime, or now while ACTIVE.
 * - Test alert: the TEST_LOOKBACK_MS before the event, so a test shows real current data.
 *
 * Every window ends no later than `now` and spans at most MAX_WINDOW_MS (an alarm stuck for
 * days would otherwise ask for days of traces; newest-first paging shows the latest anyway).
 */
import type { Rule } from '../../rules/schema';
import type { Alert } from './alert';

export const INGESTION_MARGIN_MS = 60_000;
export const TEST_LOOKBACK_MS = 15 * 60_000;
export const MAX_WINDOW_MS = 24 * 60 * 60_000;
/** Used when an alarm event arrives for a rule whose alarm settings are unknown. */
const DEFAULT_EVALUATED_MS = 60_000;

export interface QueryWindow {
  start: Date;
  end: Date;
}

export function queryWindow(alert: Alert, rule: Pick<Rule, 'alarm'>, now: Date): QueryWindow {
  const nowMs = now.getTime();
  let startMs: number;
  let endMs: number;
  switch (alert.kind) {
    case 'alarm': {
      const evaluated = rule.alarm
        ? rule.alarm.evaluationPeriods * rule.alarm.periodSeconds * 1000
        : DEFAULT_EVALUATED_MS;
      const anchor = (alert.alarm.enteredAlarmAt ?? alert.changedAt).getTime();
      startMs = Math.min(anchor - evaluated, alert.window.start.getTime()) - INGESTION_MARGIN_MS;
      endMs = alert.changedAt.getTime();
      break;
    }
    case 'insight':
      startMs = alert.window.start.getTime() - INGESTION_MARGIN_MS;
      endMs = alert.window.end?.getTime() ?? nowMs;
      break;
    case 'test':
      endMs = alert.changedAt.getTime();
      startMs = endMs - TEST_LOOKBACK_MS;
      break;
  }
  endMs = Math.min(endMs, nowMs);
  startMs = Math.max(startMs, endMs - MAX_WINDOW_MS);
  // A clock-skewed event (changedAt in the future, or end before start) still gets a window.
  if (startMs >= endMs) startMs = endMs - INGESTION_MARGIN_MS;
  return { start: new Date(startMs), end: new Date(endMs) };
}
