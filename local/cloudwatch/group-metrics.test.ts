import { describe, expect, it } from 'vitest';
import { evaluateAlarm, initialAlarmState } from '../../rules/alarm';
import { alarmSettings as settings, minutePoints as points, T0 } from '../../rules/alarm/test-support';
import { alarmStateChangeEvent } from './alarm-event';
import { countPerMinute, periodDatapoints } from './group-metrics';

const now = new Date(T0 + 3 * 60_000);

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
