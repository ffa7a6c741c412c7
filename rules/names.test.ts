import { describe, expect, it } from 'vitest';
import { ruleSet } from '.';
import {
  GROUP_NAME_MAX,
  GROUP_NAME_PATTERN,
  alarmEventPattern,
  alarmName,
  alarmNameFromArn,
  eventSourceAccounts,
  eventRuleName,
  groupName,
  groupNameFromArn,
  insightEventPattern,
  namesFor,
  opsAlarmName,
  ruleForAlarmName,
  ruleForGroupArn,
  ruleForGroupName,
  ruleIdFromAlarmName,
  ruleIdFromGroupName,
  testAlertBusName,
  testAlertEventPattern,
  testAlertSenderRoleName,
} from './names';

describe('rules/names', () => {
  it.each(ruleSet.rules.map((r) => [r.id, r] as const))(
    'round-trips every name of %s back to its rule',
    (_id, rule) => {
      const names = namesFor(ruleSet.namePrefix, rule);
      expect(ruleForGroupName(ruleSet, names.groupName)).toBe(rule);
      expect(
        ruleForGroupArn(ruleSet, `arn:aws:xray:us-east-1:123456789012:group/${names.groupName}/ABCDEF1234`),
      ).toBe(rule);
      if (rule.alarm) {
        expect(names.alarmName).toBeDefined();
        expect(ruleForAlarmName(ruleSet, names.alarmName!)).toBe(rule);
        expect(alarmNameFromArn(`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${names.alarmName}`)).toBe(
          names.alarmName,
        );
      } else {
        expect(names.alarmName).toBeUndefined();
      }
    },
  );

  it('keeps every derived group name within AWS limits', () => {
    for (const rule of ruleSet.rules) {
      const name = groupName(ruleSet.namePrefix, rule.id);
      expect(name.length).toBeLessThanOrEqual(GROUP_NAME_MAX);
      expect(name).toMatch(GROUP_NAME_PATTERN);
    }
    expect(eventRuleName(ruleSet.namePrefix, 'digest-schedule')).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
  });

  it('derives names deterministically and never collides across prefixes', () => {
    expect(groupName('uia', 'slow-registered-users')).toBe('uia--slow-registered-users');
    expect(alarmName('uia', 'slow-registered-users')).toBe('uia--slow-registered-users--trace-count');
    // `uia` + `dev-foo` vs `uia-dev` + `foo`: a single dash would make both `uia-dev-foo`.
    expect(groupName('uia', 'dev-foo')).not.toBe(groupName('uia-dev', 'foo'));
    expect(ruleIdFromGroupName('uia', groupName('uia-dev', 'foo'))).toBeUndefined();
  });

  it('ignores names that are not ours', () => {
    expect(ruleForAlarmName(ruleSet, 'ServerCpuTooHigh')).toBeUndefined();
    expect(ruleForGroupName(ruleSet, 'Default')).toBeUndefined();
    expect(ruleForGroupName(ruleSet, 'uia--no-such-rule')).toBeUndefined();
    expect(ruleIdFromAlarmName('uia', 'uia--x--other-suffix')).toBeUndefined();
    expect(ruleIdFromGroupName('uia', 'uia--a--b')).toBeUndefined();
    // A rule without an alarm owns no alarm name, even if one with its id shows up.
    expect(ruleForAlarmName(ruleSet, alarmName('uia', 'registered-users'))).toBeUndefined();
    expect(groupNameFromArn('arn:aws:s3:::bucket')).toBeUndefined();
  });

  it('builds EventBridge patterns that name only our alarms and groups, from our accounts', () => {
    expect(alarmEventPattern(ruleSet, '123456789012')).toEqual({
      account: ['123456789012'],
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: {
        alarmName: ['uia--slow-registered-users--trace-count', 'uia--registered-user-faults--trace-count'],
      },
    });
    expect(insightEventPattern(ruleSet, '123456789012')).toEqual({
      account: ['123456789012'],
      source: ['aws.xray'],
      'detail-type': ['AWS X-Ray Insight Update'],
      detail: { GroupName: ['uia--registered-users', 'uia--anonymous-users', 'uia--registered-user-faults'] },
    });
    expect(testAlertEventPattern(ruleSet, '123456789012')).toEqual({
      account: ['123456789012'],
      source: ['uia.alerting'],
      'detail-type': ['Test Alert'],
    });
  });

  it('adds listed cross-account sources to alarm and Insight patterns, own account first, but never to test alerts', () => {
    const crossAccount = {
      ...ruleSet,
      accounts: { additionalEventSources: ['210987654321', '123456789012'] },
    };
    expect(eventSourceAccounts(crossAccount, '123456789012')).toEqual(['123456789012', '210987654321']);
    expect(alarmEventPattern(crossAccount, '123456789012')['account']).toEqual([
      '123456789012',
      '210987654321',
    ]);
    expect(insightEventPattern(crossAccount, '123456789012')['account']).toEqual([
      '123456789012',
      '210987654321',
    ]);
    expect(testAlertEventPattern(crossAccount, '123456789012')['account']).toEqual(['123456789012']);
  });

  it('names the test-alert bus, its sender role and the ops alarms apart from every rule name', () => {
    expect(testAlertBusName('uia')).toBe('uia-test-alerts');
    expect(testAlertSenderRoleName('uia')).toBe('uia-test-alert-sender');
    expect(opsAlarmName('uia', 'notifier-dead-letters')).toBe('uia--ops--notifier-dead-letters');
    expect(ruleForAlarmName(ruleSet, opsAlarmName('uia', 'notifier-dead-letters'))).toBeUndefined();
  });
});
