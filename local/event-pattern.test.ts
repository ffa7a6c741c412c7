import { describe, expect, it } from 'vitest';
import { ruleSet } from '../rules';
import {
  ALARM_EVENT,
  INSIGHT_EVENT,
  TEST_ALERT_DETAIL_TYPE,
  alarmEventPattern,
  alarmName,
  groupName,
  insightEventPattern,
  projectEventSource,
  testAlertEventPattern,
} from '../rules/names';
import {
  EventPatternError,
  compileEventPattern,
  matchesEventPattern,
  type EventPattern,
} from './event-pattern';

const event = {
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2019-10-02T17:04:40Z',
  region: 'us-east-1',
  resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh', 'arn:aws:other'],
  detail: {
    alarmName: 'ServerCpuTooHigh',
    count: 42,
    ratio: 0.5,
    active: true,
    note: null,
    state: { value: 'ALARM', reasonData: '{"threshold":50}' },
    configuration: {
      metrics: [
        { id: 'm1', returnData: false },
        { id: 'm2', returnData: true },
      ],
    },
  },
};

describe('event pattern matching', () => {
  const cases: Array<[string, EventPattern, boolean]> = [
    ['exact value in a list', { source: ['aws.cloudwatch', 'aws.xray'] }, true],
    ['exact value mismatch', { source: ['aws.xray'] }, false],
    ['values are case-sensitive', { source: ['AWS.CloudWatch'] }, false],
    ['several fields must all match', { source: ['aws.cloudwatch'], region: ['eu-west-1'] }, false],
    ['nested detail field', { detail: { state: { value: ['ALARM'] } } }, true],
    ['nested detail mismatch', { detail: { state: { value: ['OK'] } } }, false],
    ['number equality', { detail: { count: [42] } }, true],
    ['number is not its string', { detail: { count: ['42'] } }, false],
    ['boolean', { detail: { active: [true] } }, true],
    ['null matches an explicit null', { detail: { note: [null] } }, true],
    ['null does not match an absent field', { detail: { missing: [null] } }, false],
    ['array in the event: any element matches', { resources: ['arn:aws:other'] }, true],
    ['array in the event: none matches', { resources: ['arn:aws:nothing'] }, false],
    [
      'objects in an event array: any element',
      { detail: { configuration: { metrics: { id: ['m2'] } } } },
      true,
    ],
    ['prefix', { resources: [{ prefix: 'arn:aws:cloudwatch:' }] }, true],
    ['prefix mismatch', { source: [{ prefix: 'aws.x' }] }, false],
    ['prefix ignoring case', { source: [{ prefix: { 'equals-ignore-case': 'AWS.CLOUD' } }] }, true],
    ['suffix', { detail: { alarmName: [{ suffix: 'TooHigh' }] } }, true],
    ['suffix mismatch', { detail: { alarmName: [{ suffix: 'TooLow' }] } }, false],
    [
      'suffix ignoring case',
      { detail: { alarmName: [{ suffix: { 'equals-ignore-case': 'toohigh' } }] } },
      true,
    ],
    [
      'equals-ignore-case',
      { 'detail-type': [{ 'equals-ignore-case': 'cloudwatch alarm STATE change' }] },
      true,
    ],
    ['anything-but a value', { source: [{ 'anything-but': 'aws.xray' }] }, true],
    [
      'anything-but the value itself',
      { source: [{ 'anything-but': ['aws.cloudwatch', 'aws.xray'] }] },
      false,
    ],
    ['anything-but a prefix', { source: [{ 'anything-but': { prefix: 'aws.' } }] }, false],
    [
      'anything-but does not match an absent field',
      { detail: { missing: [{ 'anything-but': 'x' }] } },
      false,
    ],
    ['anything-but a number', { detail: { count: [{ 'anything-but': [1, 2] }] } }, true],
    ['exists: true', { detail: { alarmName: [{ exists: true }] } }, true],
    ['exists: true on an absent field', { detail: { missing: [{ exists: true }] } }, false],
    ['exists: false on an absent field', { detail: { missing: [{ exists: false }] } }, true],
    ['exists: false on a present field', { detail: { alarmName: [{ exists: false }] } }, false],
    ['exists only sees leaves, not objects', { detail: { state: [{ exists: true }] } }, false],
    ['numeric range', { detail: { count: [{ numeric: ['>', 0, '<=', 42] }] } }, true],
    ['numeric out of range', { detail: { ratio: [{ numeric: ['>=', 1] }] } }, false],
    ['numeric equality', { detail: { count: [{ numeric: ['=', 42] }] } }, true],
    ['numeric never matches a string', { detail: { alarmName: [{ numeric: ['>', 0] }] } }, false],
    ['wildcard', { detail: { alarmName: [{ wildcard: 'Server*High' }] } }, true],
    ['a value or a filter in one list', { source: ['aws.xray', { prefix: 'aws.cloud' }] }, true],
    ['$or: one branch matches', { $or: [{ source: ['aws.xray'] }, { detail: { count: [42] } }] }, true],
    ['$or: no branch matches', { $or: [{ source: ['aws.xray'] }, { detail: { count: [1] } }] }, false],
    ['nested pattern where the event has no object', { detail: { nothing: { deeper: ['x'] } } }, false],
  ];

  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  it.each([
    ['a leaf that is not an array', { source: 'aws.cloudwatch' }, /must be an array/],
    ['an empty array', { detail: { alarmName: [] } }, /empty arrays/],
    ['an unknown filter', { source: [{ regex: 'aws.*' }] }, /unsupported filter "regex"/],
    ['a filter object with two keys', { source: [{ prefix: 'a', suffix: 'b' }] }, /exactly one key/],
    [
      'a numeric filter with a bad operator',
      { detail: { count: [{ numeric: ['!=', 1] }] } },
      /invalid numeric/,
    ],
  ])('refuses %s, as EventBridge would at deploy time', (_name, pattern, message) => {
    expect(() => compileEventPattern(pattern as EventPattern)).toThrow(EventPatternError);
    expect(() => compileEventPattern(pattern as EventPattern)).toThrow(message);
  });
});

describe("the rule set's deployed patterns (rules/names.ts)", () => {
  const prefix = ruleSet.namePrefix;
  const ACCOUNT = String(event.account);
  const alarmRule = ruleSet.rules.find((r) => r.alarm);
  const insightRule = ruleSet.rules.find((r) => r.group.insights && r.group.insightNotifications);
  if (!alarmRule || !insightRule) throw new Error('the rule set needs an alarm rule and an insight rule');

  const alarmEvent = (name: string, source: string = ALARM_EVENT.source) => ({
    ...event,
    source,
    'detail-type': ALARM_EVENT.detailType,
    detail: { ...event.detail, alarmName: name },
  });
  const insightEvent = (group: string) => ({
    ...event,
    source: INSIGHT_EVENT.source,
    'detail-type': INSIGHT_EVENT.detailType,
    detail: { GroupName: group, State: 'ACTIVE', Categories: ['FAULT'] },
  });
  const testAlert = (source: string, detailType: string = TEST_ALERT_DETAIL_TYPE) => ({
    ...event,
    source,
    'detail-type': detailType,
    detail: { ruleId: alarmRule.id },
  });

  const cases: Array<[string, EventPattern, unknown, boolean]> = [
    [
      'alarm of one of our rules',
      alarmEventPattern(ruleSet, ACCOUNT),
      alarmEvent(alarmName(prefix, alarmRule.id)),
      true,
    ],
    ['alarm of a foreign alarm', alarmEventPattern(ruleSet, ACCOUNT), alarmEvent('ServerCpuTooHigh'), false],
    [
      'our alarm name from another source',
      alarmEventPattern(ruleSet, ACCOUNT),
      alarmEvent(alarmName(prefix, alarmRule.id), 'uia.alerting'),
      false,
    ],
    [
      'another deployment prefix',
      alarmEventPattern(ruleSet, ACCOUNT),
      alarmEvent(alarmName(`${prefix}-dev`, alarmRule.id)),
      false,
    ],
    [
      'insight of one of our groups',
      insightEventPattern(ruleSet, ACCOUNT),
      insightEvent(groupName(prefix, insightRule.id)),
      true,
    ],
    ['insight of the Default group', insightEventPattern(ruleSet, ACCOUNT), insightEvent('Default'), false],
    [
      'an alarm event against the insight pattern',
      insightEventPattern(ruleSet, ACCOUNT),
      alarmEvent(alarmName(prefix, alarmRule.id)),
      false,
    ],
    [
      'test alert on our source',
      testAlertEventPattern(ruleSet, ACCOUNT),
      testAlert(projectEventSource(prefix)),
      true,
    ],
    [
      'our alarm from another account',
      alarmEventPattern(ruleSet, ACCOUNT),
      { ...alarmEvent(alarmName(prefix, alarmRule.id)), account: '999999999999' },
      false,
    ],
    [
      'our alarm from a listed cross-account source',
      alarmEventPattern({ ...ruleSet, accounts: { additionalEventSources: ['999999999999'] } }, ACCOUNT),
      { ...alarmEvent(alarmName(prefix, alarmRule.id)), account: '999999999999' },
      true,
    ],
    [
      'our insight from another account',
      insightEventPattern(ruleSet, ACCOUNT),
      { ...insightEvent(groupName(prefix, insightRule.id)), account: '999999999999' },
      false,
    ],
    [
      'a test alert from another account, even a listed one',
      testAlertEventPattern({ ...ruleSet, accounts: { additionalEventSources: ['999999999999'] } }, ACCOUNT),
      { ...testAlert(projectEventSource(prefix)), account: '999999999999' },
      false,
    ],
    [
      'test alert on a foreign source',
      testAlertEventPattern(ruleSet, ACCOUNT),
      testAlert('other.alerting'),
      false,
    ],
    [
      'incident update on our source',
      testAlertEventPattern(ruleSet, ACCOUNT),
      testAlert(projectEventSource(prefix), 'Incident Updated'),
      false,
    ],
  ];

  it.each(cases)('%s', (_name, pattern, input, expected) => {
    expect(matchesEventPattern(pattern, input)).toBe(expected);
  });

  it('matches the alarm of every rule that defines one and no other', () => {
    const matcher = compileEventPattern(alarmEventPattern(ruleSet, ACCOUNT));
    for (const rule of ruleSet.rules) {
      expect(matcher(alarmEvent(alarmName(prefix, rule.id)))).toBe(rule.alarm !== undefined);
    }
  });
});
