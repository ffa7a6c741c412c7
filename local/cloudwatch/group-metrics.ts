/**
 * The X-Ray group metric as CloudWatch would hold it: `ApproximateTraceCount`, one
 * datapoint per minute in which at least one trace matched the group (X-Ray publishes no
 * zeros, which is why alarms on it treat missing data as not breaching).
 */
import type { PeriodDatapoint } from '../../rules/alarm';
import type { Trace } from '../../rules/filter/trace';
import type { AlarmSettings } from '../../rules/schema';

export type { PeriodDatapoint };

export const MINUTE_MS = 60_000;

/** Minute start (epoch ms) → number of matching traces that started in that minute. */
export type MinuteCounts = ReadonlyMap<number, number>;

export function countPerMinute(
  traces: Iterable<Trace>,
  matches: (trace: Trace) => boolean,
): Map<number, number> {
  const counts = new Map<number, number>();
  for (const trace of traces) {
    if (!matches(trace)) continue;
    const minute = Math.floor((trace.startTime * 1000) / MINUTE_MS) * MINUTE_MS;
    counts.set(minute, (counts.get(minute) ?? 0) + 1);
  }
  return counts;
}

/**
 * The statistic over each of the `periods` periods ending at `end` (exclusive), oldest
 * first, computed from the published minute datapoints as CloudWatch aggregates them.
 */
export function periodDatapoints(
  counts: MinuteCounts,
  settings: Pick<AlarmSettings, 'statistic' | 'periodSeconds'>,
  end: number,
  periods: number,
): PeriodDatapoint[] {
  const periodMs = settings.periodSeconds * 1000;
  const points: PeriodDatapoint[] = [];
  for (let i = periods; i >= 1; i--) {
    const start = end - i * periodMs;
    const published: number[] = [];
    for (let minute = start; minute < start + periodMs; minute += MINUTE_MS) {
      const count = counts.get(minute);
      if (count !== undefined && count > 0) published.push(count);
    }
    points.push({ start, value: aggregate(published, settings.statistic) });
  }
  return points;
}

function aggregate(values: readonly number[], statistic: AlarmSettings['statistic']): number | undefined {
  if (values.length === 0) return undefined;
  switch (statistic) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}
