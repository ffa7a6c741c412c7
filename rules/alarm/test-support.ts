/** Alarm settings and datapoints for tests: the fault rule's 2 of 3, one-minute periods. */
import type { AlarmSettings } from '../schema';
import type { PeriodDatapoint } from './evaluate';

export const T0 = Date.parse('2026-11-23T10:00:00Z');

export function alarmSettings(over: Partial<AlarmSettings> = {}): AlarmSettings {
  return {
    statistic: 'Sum',
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    ...over,
  };
}

/** One-minute datapoints from T0 on; `undefined` is a minute without a datapoint. */
export function minutePoints(...values: (number | undefined)[]): PeriodDatapoint[] {
  return values.map((value, i) => ({ start: T0 + i * 60_000, value }));
}
