import { describe, expect, it } from 'vitest';
import type { AlarmSettings } from '../../rules/schema';
import { evaluateAlarm, initialAlarmState, type AlarmState } from './alarm-evaluator';
import { alarmStateChangeEvent } from './alarm-event';
import { countPerMinute, periodDatapoints, type PeriodDatapoint } from './group-metrics';

const settings = (over: Partial<AlarmSettings> = {}): AlarmSettings => ({
  statistic: 'Sum',
  periodSeconds: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 0,
  comparison: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
  ...over,
});
const T0 = Date.parse('2026-11-23T10:00:00Z');
const points = (...values: (number | undefined)[]): PeriodDatapoint[] =>
  values.map((value, i) => ({ start: T0 + i * 60_000, value }));
const now = new Date(T0 + 3 * 60_000);
const state = (value: AlarmState['value']): AlarmState => ({ value, reason: '', timestamp: new Date(T0) });

describe('alarm evaluation (CloudWatch semantics)', () => {
  it.each<[string, Partial<AlarmSettings>, (number | undefined)[], AlarmState['value'], AlarmState['value']]>(
    [
      ['2 of 3 breaching → ALARM', {}, [1, undefined, 4], 'OK', 'ALARM'],
      ['1 of 3 breaching stays OK', {}, [undefined, 5, undefined], 'OK', 'OK'],
      [
        'missing as not breaching leaves INSUFFICIENT_DATA for OK',
        {},
        [undefined, undefined, undefined],
        'INSUFFICIENT_DATA',
        'OK',
      ],
      [
        'missing as breaching alarms',
        { treatMissingData: 'breaching' },
        [undefined, undefined, 0],
        'OK',
        'ALARM',
      ],
      [
        'ignore keeps the current state when all missing',
        { treatMissingData: 'ignore' },
        [undefined, undefined, undefined],
        'ALARM',
        'ALARM',
      ],
      [
        'missing → INSUFFICIENT_DATA when all missing',
        { treatMissingData: 'missing' },
        [undefined, undefined, undefined],
        'OK',
        'INSUFFICIENT_DATA',
      ],
      ['threshold is strict for GreaterThan', { threshold: 4, datapointsToAlarm: 1 }, [4, 4, 4], 'OK', 'OK'],
      [
        'GreaterThanOrEqual includes the threshold',
        { threshold: 4, datapointsToAlarm: 1, comparison: 'GreaterThanOrEqualToThreshold' },
        [undefined, undefined, 4],
        'OK',
        'ALARM',
      ],
      ['recovers to OK', {}, [undefined, undefined, 1], 'ALARM', 'OK'],
    ],
  )('%s', (_name, over, values, from, to) => {
    expect(evaluateAlarm(settings(over), points(...values), state(from), now).value).toBe(to);
  });

  it('returns the same state object when nothing changes (no event)', () => {
    const current = state('OK');
    expect(evaluateAlarm(settings(), points(undefined, undefined, undefined), current, now)).toBe(current);
  });

  it('names only the datapoints that justify a recovery, and says when all were missing', () => {
    const recovered = evaluateAlarm(settings(), points(0, undefined, 7), state('ALARM'), now);
    expect(recovered.value).toBe('OK');
    expect(recovered.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [0 (23/11/26 10:00:00)] (1 missing datapoint treated as [NonBreaching]) were not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
    const quiet = evaluateAlarm(settings(), points(undefined, undefined, undefined), state('ALARM'), now);
    expect(quiet.reason).toBe(
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].',
    );
  });

  it('writes a CloudWatch-style reason and JSON reasonData', () => {
    const next = evaluateAlarm(settings(), points(1, undefined, 4), state('OK'), now);
    expect(next.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [4 (23/11/26 10:02:00), 1 (23/11/26 10:00:00)] (1 missing datapoint treated as [NonBreaching]) were greater than the threshold (0.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(JSON.parse(next.reasonData!)).toMatchObject({
      version: '1.0',
      queryDate: '2026-11-23T10:03:00.000+0000',
      startDate: '2026-11-23T10:00:00.000+0000',
      statistic: 'Sum',
      period: 60,
      recentDatapoints: [1, 4],
      threshold: 0,
    });
  });
});

describe('group metric', () => {
  const trace = (startIso: string, user: string) =>
    ({
      id: startIso + user,
      startTime: Date.parse(startIso) / 1000,
      annotations: { username: [user] },
    }) as never;

  it('counts matching traces per minute and aggregates periods, missing when none matched', () => {
    const counts = countPerMinute(
      [
        trace('2026-11-23T10:00:05Z', 'a'),
        trace('2026-11-23T10:00:59Z', 'a'),
        trace('2026-11-23T10:02:00Z', 'a'),
        trace('2026-11-23T10:02:01Z', 'anonymous'),
      ],
      (t) => t.annotations['username']?.[0] !== 'anonymous',
    );
    expect([...counts.entries()]).toEqual([
      [T0, 2],
      [T0 + 120_000, 1],
    ]);
    expect(periodDatapoints(counts, settings(), T0 + 180_000, 3)).toEqual(points(2, undefined, 1));
    expect(periodDatapoints(counts, { statistic: 'Average', periodSeconds: 180 }, T0 + 180_000, 1)).toEqual([
      { start: T0, value: 1.5 },
    ]);
  });
});

describe('alarm state change event', () => {
  it('is shaped like the AWS sample, with reasonData only where CloudWatch sends it', () => {
    const previous = initialAlarmState(new Date(T0));
    const current = evaluateAlarm(settings(), points(1, 2, 3), previous, now);
    const event = alarmStateChangeEvent(
      { alarmName: 'uia--x--trace-count', groupName: 'uia--x', description: 'd', settings: settings() },
      previous,
      current,
      { account: '123456789012', region: 'us-east-1' },
    );
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      time: '2026-11-23T10:03:00Z',
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:uia--x--trace-count'],
      detail: {
        alarmName: 'uia--x--trace-count',
        configuration: {
          metrics: [
            {
              metricStat: {
                metric: {
                  dimensions: { GroupName: 'uia--x' },
                  name: 'ApproximateTraceCount',
                  namespace: 'AWS/X-Ray',
                },
                period: 60,
                stat: 'Sum',
              },
              returnData: true,
            },
          ],
        },
        previousState: {
          value: 'INSUFFICIENT_DATA',
          reason: 'Unchecked: Initial alarm creation',
          timestamp: '2026-11-23T10:00:00.000+0000',
        },
        state: { value: 'ALARM', timestamp: '2026-11-23T10:03:00.000+0000' },
      },
    });
    expect('reasonData' in event.detail.previousState).toBe(false);
    expect(typeof event.detail.state.reasonData).toBe('string');
  });
});
