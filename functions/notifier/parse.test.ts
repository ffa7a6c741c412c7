import { describe, expect, it } from 'vitest';
import type { Alert, ParseResult } from './alert';
import { PermanentError } from './errors';
import { parseEvent } from './parse';
import { alarmTransition } from './parse-alarm';
import { fixture, recordingLogger, withValue } from './test-support';

const ctx = () => ({ namePrefix: 'uia', accounts: ['123456789012'], logger: recordingLogger() });

function alertOf(result: ParseResult): Alert {
  if (result.kind !== 'alert') throw new Error(`expected an alert, got ignored: ${result.reason}`);
  return result.alert;
}

function permanentReason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PermanentError);
    return (error as PermanentError).reason;
  }
  throw new Error('expected a PermanentError');
}

describe('parseEvent: CloudWatch alarm samples from the AWS docs', () => {
  it('threshold alarm OK → ALARM is firing, with the window starting at the first evaluated datapoint', () => {
    const alert = alertOf(parseEvent(fixture('alarm-threshold'), ctx()));
    expect(alert).toMatchObject({
      kind: 'alarm',
      ruleId: 'registered-user-faults',
      state: 'firing',
      eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      region: 'us-east-1',
      account: '123456789012',
      title: 'Goes into alarm when server CPU utilization is too high!',
      reason: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoints \[99\.5/),
      alarm: {
        alarmName: 'uia--registered-user-faults--trace-count',
        alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:uia--registered-user-faults--trace-count',
        previousValue: 'OK',
        value: 'ALARM',
      },
    });
    if (alert.kind !== 'alarm') throw new Error('kind');
    // `+0000` (no colon) parsed to the exact instant.
    expect(alert.changedAt.toISOString()).toBe('2019-10-02T17:04:40.989Z');
    expect(alert.eventTime.toISOString()).toBe('2019-10-02T17:04:40.000Z');
    expect(alert.window.start.toISOString()).toBe('2019-10-02T16:59:00.000Z');
    expect(alert.window.end).toBeUndefined();
    expect(alert.alarm.enteredAlarmAt?.toISOString()).toBe('2019-10-02T17:04:40.989Z');
    expect(alert.reasonData).toMatchObject({ statistic: 'Average', period: 300, threshold: 50 });
    expect(alert.links.alarm).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/uia--registered-user-faults--trace-count',
    );
  });

  it('metric math alarm from initial INSUFFICIENT_DATA (previous state without reasonData) is firing', () => {
    const alert = alertOf(parseEvent(fixture('alarm-metric-math'), ctx()));
    expect(alert).toMatchObject({ kind: 'alarm', ruleId: 'slow-registered-users', state: 'firing' });
    if (alert.kind !== 'alarm') throw new Error('kind');
    expect(alert.alarm.previousValue).toBe('INSUFFICIENT_DATA');
    // Metric-math reasonData has no `statistic`; keys vary and are kept as they come.
    expect(alert.reasonData).toEqual({
      version: '1.0',
      queryDate: '2019-10-02T17:20:48.551+0000',
      startDate: '2019-10-02T17:10:00.000+0000',
      period: 300,
      recentDatapoints: [45628],
      threshold: 10000,
    });
    expect(alert.window.start.toISOString()).toBe('2019-10-02T17:10:00.000Z');
  });

  it('anomaly detection alarm keeps its band thresholds and has no threshold key', () => {
    const alert = alertOf(parseEvent(fixture('alarm-anomaly-detection'), ctx()));
    expect(alert.state).toBe('firing');
    expect(alert.reasonData).toMatchObject({
      recentLowerThresholds: [0.020599444741798756],
      recentUpperThresholds: [0.3006915352732461],
    });
    expect(alert.reasonData).not.toHaveProperty('threshold');
    expect(alert.changedAt.toISOString()).toBe('2019-10-03T16:00:04.653Z');
    // Alarm names with spaces (AWS's sample had one) are URL-encoded; ours has none.
    expect(alert.links.alarm).toMatch(/#alarmsV2:alarm\/uia--registered-user-faults--trace-count$/);
  });

  it('initial INSUFFICIENT_DATA without reasonData or previous state is insufficient_data', () => {
    const alert = alertOf(parseEvent(fixture('alarm-initial-insufficient-data'), ctx()));
    expect(alert.state).toBe('insufficient_data');
    expect(alert.reason).toBe('Unchecked: Initial alarm creation');
    expect(alert.reasonData).toBeUndefined();
    expect(alert.window.start.toISOString()).toBe('2019-10-02T17:20:03.642Z');
    expect(alert.window.end?.toISOString()).toBe('2019-10-02T17:20:03.642Z');
  });

  it('ALARM → OK is resolved, and the window spans the incident', () => {
    const alert = alertOf(parseEvent(fixture('alarm-threshold-resolved'), ctx()));
    expect(alert.state).toBe('resolved');
    if (alert.kind !== 'alarm') throw new Error('kind');
    expect(alert.alarm.enteredAlarmAt?.toISOString()).toBe('2019-10-02T17:04:40.989Z');
    expect(alert.window.start.toISOString()).toBe('2019-10-02T17:04:40.989Z');
    expect(alert.window.end?.toISOString()).toBe('2019-10-02T17:24:40.987Z');
  });

  it('maps every alarm transition as documented in alert.ts', () => {
    const table = {
      'OK→ALARM': 'firing',
      'INSUFFICIENT_DATA→ALARM': 'firing',
      'ALARM→ALARM': 'updated',
      'ALARM→OK': 'resolved',
      'INSUFFICIENT_DATA→OK': 'resolved',
      'OK→OK': 'resolved',
      'ALARM→INSUFFICIENT_DATA': 'insufficient_data',
      'OK→INSUFFICIENT_DATA': 'insufficient_data',
      'INSUFFICIENT_DATA→INSUFFICIENT_DATA': 'insufficient_data',
    } as const;
    for (const [transition, expected] of Object.entries(table)) {
      const [from, to] = transition.split('→') as ['OK' | 'ALARM' | 'INSUFFICIENT_DATA', 'OK' | 'ALARM'];
      expect(alarmTransition(from, to), transition).toBe(expected);
    }
  });

  it('logs and drops reasonData that is not a JSON object instead of failing the page', () => {
    const logger = recordingLogger();
    const event = withValue(fixture('alarm-threshold'), ['detail', 'state', 'reasonData'], '{not json');
    const alert = alertOf(parseEvent(event, { namePrefix: 'uia', accounts: ['123456789012'], logger }));
    expect(alert.reasonData).toBeUndefined();
    expect(alert.window.start.toISOString()).toBe('2019-10-02T17:04:40.989Z');
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn' }));
  });
});

describe('parseEvent: X-Ray Insight events (schema-built)', () => {
  it('ACTIVE with epoch-millisecond StartTime and null EndTime is a firing insight', () => {
    const alert = alertOf(parseEvent(fixture('insight-active'), ctx()));
    expect(alert).toMatchObject({
      kind: 'insight',
      ruleId: 'registered-user-faults',
      state: 'firing',
      title: "Fault rate of registered shoppers' cart requests is higher than expected",
      rootCauseService: { name: 'cart-table', type: 'AWS::DynamoDB::Table', names: ['cart-table'] },
      topAnomalousServices: [{ name: 'cart-add', type: 'AWS::Lambda::Function' }],
      impact: {
        client: { faultCount: 30, okCount: 970, totalCount: 1000 },
        rootCauseService: { faultCount: 42, okCount: 958, totalCount: 1000 },
      },
      insight: {
        insightId: '8a0b3c2d-1e4f-4a5b-9c6d-7e8f9a0b1c2d',
        groupName: 'uia--registered-user-faults',
        categories: ['FAULT'],
        insightState: 'ACTIVE',
      },
    });
    expect(alert.window.start.toISOString()).toBe('2024-01-01T12:00:00.000Z');
    expect(alert.window.end).toBeUndefined();
    expect(alert.changedAt.toISOString()).toBe('2024-01-01T12:00:30.000Z');
    expect(alert.links.insight).toBe(
      'https://us-east-1.console.aws.amazon.com/xray/home?region=us-east-1#/insights/8a0b3c2d-1e4f-4a5b-9c6d-7e8f9a0b1c2d',
    );
  });

  it('ACTIVE with epoch-second StartTime, missing EndTime and a later event is an update', () => {
    const alert = alertOf(parseEvent(fixture('insight-updated'), ctx()));
    expect(alert.state).toBe('updated');
    // Seconds and milliseconds land on the same instant.
    expect(alert.window.start.toISOString()).toBe('2024-01-01T12:00:00.000Z');
    expect(alert.window.end).toBeUndefined();
    expect(alert.reason).toBe(
      'Fault rate is still higher than expected; impact grew to 180 faulted requests',
    );
    expect(alert.impact?.client).toEqual({ faultCount: 180, okCount: 2820, totalCount: 3000 });
  });

  it('drops invalid optional impact figures with a log line and still pages', () => {
    const logger = recordingLogger();
    const event = withValue(
      fixture('insight-updated'),
      ['detail', 'ClientRequestImpactStatistics', 'FaultCount'],
      -1,
    );
    const alert = alertOf(parseEvent(event, { namePrefix: 'uia', accounts: ['123456789012'], logger }));
    expect(alert.impact?.client).toBeUndefined();
    expect(alert.state).toBe('updated');
    const line = logger.lines.find((l) => l.message.startsWith('insight impact figures invalid'));
    expect(line?.level).toBe('warn');
    expect(String(line?.extra?.['problem'])).toMatch(/FaultCount/);
  });

  it('CLOSED is resolved with the window ending at EndTime', () => {
    const alert = alertOf(parseEvent(fixture('insight-closed'), ctx()));
    expect(alert.state).toBe('resolved');
    expect(alert.window.end?.toISOString()).toBe('2024-01-01T12:30:00.000Z');
    expect(alert.reason).toBe('Fault rate returned to the expected range');
  });

  it('accepts ISO StartTime, a GroupARN without GroupName, and no Event object', () => {
    let event = withValue(fixture('insight-active'), ['detail', 'StartTime'], '2024-01-01T12:00:00Z');
    event = withValue(event, ['detail', 'GroupName'], undefined);
    event = withValue(
      event,
      ['detail', 'GroupARN'],
      'arn:aws:xray:us-east-1:123456789012:group/uia--registered-user-faults/ABCDEF',
    );
    event = withValue(event, ['detail', 'Event'], undefined);
    const alert = alertOf(parseEvent(event, ctx()));
    expect(alert).toMatchObject({ ruleId: 'registered-user-faults', state: 'firing' });
    expect(alert.window.start.toISOString()).toBe('2024-01-01T12:00:00.000Z');
    // Without an Event time the envelope time is the change time.
    expect(alert.changedAt.toISOString()).toBe('2024-01-01T12:05:00.000Z');
  });
});

describe('parseEvent: test alerts', () => {
  it('parses the project test alert and keeps its note as the reason', () => {
    const alert = alertOf(parseEvent(fixture('test-alert'), ctx()));
    expect(alert).toMatchObject({
      kind: 'test',
      ruleId: 'registered-user-faults',
      state: 'firing',
      region: 'eu-west-1',
      reason: 'Drill: checking the on-call route',
      test: { note: 'Drill: checking the on-call route' },
    });
  });
});

describe('parseEvent: events that are not ours are ignored, not errors', () => {
  it.each([
    [
      'a foreign alarm (AWS sample as published)',
      fixture('alarm-foreign-threshold'),
      /alarm "ServerCpuTooHigh"/,
    ],
    ['a foreign X-Ray group', fixture('insight-foreign'), /group "prod-api"/],
    [
      'another deployment prefix',
      withValue(
        fixture('alarm-threshold'),
        ['detail', 'alarmName'],
        'uia-dev--registered-user-faults--trace-count',
      ),
      /not one of ours/,
    ],
    [
      'another source',
      {
        ...fixture('alarm-threshold'),
        source: 'aws.ec2',
        'detail-type': 'EC2 Instance State-change Notification',
      },
      /aws\.ec2/,
    ],
    [
      'another deployment test alert',
      { ...fixture('test-alert'), source: 'uia-dev.alerting' },
      /uia-dev\.alerting/,
    ],
  ])('%s', (_name, event, reason) => {
    const logger = recordingLogger();
    const result = parseEvent(event, { namePrefix: 'uia', accounts: ['123456789012'], logger });
    expect(result.kind).toBe('ignored');
    if (result.kind === 'ignored') expect(result.reason).toMatch(reason);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'info', message: 'ignoring event' })]);
  });

  it.each([
    ['an alarm of ours by name', fixture('alarm-threshold')],
    ['an Insight of one of our groups', fixture('insight-active')],
    ['a test alert', fixture('test-alert')],
  ])('ignores %s from an account that is not ours, saying which and where to allow it', (_name, event) => {
    const logger = recordingLogger();
    const foreign = withValue(event, ['account'], '999999999999');
    const result = parseEvent(foreign, { namePrefix: 'uia', accounts: ['123456789012'], logger });
    expect(result).toEqual({
      kind: 'ignored',
      reason:
        'event from account 999999999999 is not from an account of this deployment (123456789012); list cross-account sources in rules/accounts.ts',
    });
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'info', message: 'ignoring event' })]);
    // Listed as a cross-account source, the same event is ours.
    const listed = parseEvent(foreign, {
      namePrefix: 'uia',
      accounts: ['123456789012', '999999999999'],
      logger: recordingLogger(),
    });
    expect(listed.kind).toBe('alert');
  });

  it('ignores a foreign alarm even when the rest of its detail is malformed', () => {
    const event = withValue(fixture('alarm-foreign-threshold'), ['detail', 'state'], undefined);
    expect(parseEvent(event, ctx()).kind).toBe('ignored');
  });
});

describe('parseEvent: malformed events of ours are PermanentErrors naming the field', () => {
  const alarm = fixture('alarm-threshold');
  const insight = fixture('insight-active');
  const test = fixture('test-alert');

  it.each([
    ['null', null, /^event: expected an EventBridge event object, got null$/],
    ['an array', [alarm], /got an array/],
    ['no detail-type', withValue(alarm, ['detail-type'], undefined), /^event\.detail-type: /],
    [
      'bad envelope time',
      withValue(alarm, ['time'], 'yesterday'),
      /event\.time: expected an ISO-8601 instant, got "yesterday"/,
    ],
    ['bad region', withValue(alarm, ['region'], 'moon-base'), /event\.region: expected an AWS region/],
    ['no account', withValue(alarm, ['account'], undefined), /^event\.account: /],
    [
      'account not 12 digits',
      withValue(alarm, ['account'], 'me'),
      /event\.account: expected a 12-digit AWS account id/,
    ],
    ['missing detail', withValue(alarm, ['detail'], undefined), /event\.detail: /],
    [
      'alarm without alarmName',
      withValue(alarm, ['detail', 'alarmName'], undefined),
      /alarm event detail\.alarmName: /,
    ],
    ['alarm without state', withValue(alarm, ['detail', 'state'], undefined), /alarm event detail\.state: /],
    [
      'alarm state value',
      withValue(alarm, ['detail', 'state', 'value'], 'ON_FIRE'),
      /detail\.state\.value: /,
    ],
    [
      'alarm state timestamp',
      withValue(alarm, ['detail', 'state', 'timestamp'], '02/10/19 17:04'),
      /detail\.state\.timestamp: expected an ISO-8601 instant, got "02\/10\/19 17:04"/,
    ],
    [
      'alarm reasonData type',
      withValue(alarm, ['detail', 'state', 'reasonData'], { a: 1 }),
      /detail\.state\.reasonData: /,
    ],
    [
      'insight without group',
      withValue(insight, ['detail', 'GroupName'], undefined),
      /^insight event detail\.GroupName: missing \(and no parsable GroupARN\)$/,
    ],
    ['insight State', withValue(insight, ['detail', 'State'], 'OPEN'), /insight event detail\.State: /],
    [
      'insight StartTime',
      withValue(insight, ['detail', 'StartTime'], 'soon'),
      /insight event detail\.StartTime: expected epoch seconds, epoch milliseconds or an ISO-8601 instant, got "soon"/,
    ],
    [
      'insight without InsightId',
      withValue(insight, ['detail', 'InsightId'], undefined),
      /detail\.InsightId: /,
    ],
    [
      'insight EndTime before StartTime',
      withValue(withValue(insight, ['detail', 'State'], 'CLOSED'), ['detail', 'EndTime'], 1_704_000_000),
      /detail\.EndTime: 2023-12-31T05:20:00\.000Z is before StartTime 2024-01-01T12:00:00\.000Z/,
    ],
    ['test alert state', withValue(test, ['detail', 'state'], 'exploded'), /^test alert detail\.state: /],
    [
      'test alert ruleId',
      withValue(test, ['detail', 'ruleId'], 'Not A Rule Id'),
      /^test alert detail\.ruleId: must be kebab-case/,
    ],
  ])('%s', (_name, event, reason) => {
    expect(permanentReason(() => parseEvent(event, ctx()))).toMatch(reason);
  });

  it('carries the zod error as cause', () => {
    try {
      parseEvent(withValue(alarm, ['detail', 'state', 'value'], 'ON_FIRE'), ctx());
      expect.unreachable();
    } catch (error) {
      expect((error as PermanentError).cause).toBeDefined();
      expect((error as PermanentError).name).toBe('PermanentError');
    }
  });
});
