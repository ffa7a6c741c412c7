import { describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import type { Alert } from './alert';
import { matchRule } from './match';
import { parseEvent } from './parse';
import { fixture, recordingLogger, withValue } from './test-support';

function parsed(event: Record<string, unknown>): Alert {
  const result = parseEvent(event, {
    namePrefix: ruleSet.namePrefix,
    accounts: ['123456789012'],
    logger: recordingLogger(),
  });
  if (result.kind !== 'alert') throw new Error(result.reason);
  return result.alert;
}

describe('matchRule', () => {
  it('finds the rule behind an alarm name, a group name and a test alert', () => {
    const logger = recordingLogger();
    const alarm = matchRule(parsed(fixture('alarm-threshold')), ruleSet, logger);
    const slow = matchRule(parsed(fixture('alarm-metric-math')), ruleSet, logger);
    const insight = matchRule(parsed(fixture('insight-active')), ruleSet, logger);
    const test = matchRule(parsed(fixture('test-alert')), ruleSet, logger);
    expect(alarm.kind === 'matched' && alarm.rule.id).toBe('registered-user-faults');
    expect(slow.kind === 'matched' && slow.rule.id).toBe('slow-registered-users');
    expect(insight.kind === 'matched' && insight.rule.id).toBe('registered-user-faults');
    expect(test.kind === 'matched' && test.rule.severity).toBe('page');
    expect(logger.lines).toEqual([]);
  });

  it('prefers the group ARN when an Insight carries one', () => {
    const event = withValue(
      fixture('insight-active'),
      ['detail', 'GroupARN'],
      'arn:aws:xray:us-east-1:123456789012:group/uia--anonymous-users/XYZ',
    );
    const result = matchRule(parsed(event), ruleSet, recordingLogger());
    expect(result.kind === 'matched' && result.rule.id).toBe('anonymous-users');
  });

  it('ignores, with a warning, an alarm of ours whose rule defines no alarm (stale resource)', () => {
    const logger = recordingLogger();
    const event = withValue(
      fixture('alarm-threshold'),
      ['detail', 'alarmName'],
      'uia--registered-users--trace-count',
    );
    const result = matchRule(parsed(event), ruleSet, logger);
    expect(result).toEqual({
      kind: 'ignored',
      reason: expect.stringContaining('uia--registered-users--trace-count'),
    });
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', message: 'ignoring event' })]);
  });

  it('ignores a group of ours whose rule was deleted', () => {
    const event = withValue(fixture('insight-active'), ['detail', 'GroupName'], 'uia--deleted-rule');
    expect(matchRule(parsed(event), ruleSet, recordingLogger()).kind).toBe('ignored');
  });

  it('ignores a test alert for a rule that does not exist, with a warning, instead of dead-lettering it', () => {
    const logger = recordingLogger();
    const event = withValue(fixture('test-alert'), ['detail', 'ruleId'], 'no-such-rule');
    expect(matchRule(parsed(event), ruleSet, logger)).toEqual({
      kind: 'ignored',
      reason: 'test alert names rule "no-such-rule", which is not in the rule set',
    });
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', message: 'ignoring event' })]);
  });
});

describe('matchRule: where a test alert may page', () => {
  const rule = ruleSet.rules.find((r) => r.id === 'registered-user-faults')!;
  const testRoutes = (detail: Record<string, unknown>) => {
    let event = fixture('test-alert');
    for (const [key, value] of Object.entries(detail)) event = withValue(event, ['detail', key], value);
    const result = matchRule(parsed(event), ruleSet, recordingLogger());
    if (result.kind !== 'matched') throw new Error(result.reason);
    return result.rule.routes;
  };

  it('shipped rule set: the rule pages on-call by Slack and email, and a test channel exists', () => {
    expect(rule.routes).toEqual({ slack: 'shop-oncall', email: 'immediate' });
    expect(ruleSet.testAlerts.slackChannel).toBe('shop-alert-tests');
  });

  it.each<[string, Record<string, unknown>, { slack: string | undefined; email: string }]>([
    ['by default: the test channel, no email', {}, { slack: 'shop-alert-tests', email: 'none' }],
    [
      '--rule-route: the rule’s own channel, still no email',
      { route: 'rule' },
      { slack: 'shop-oncall', email: 'none' },
    ],
    [
      '--email: the test channel and the on-call email',
      { email: true },
      { slack: 'shop-alert-tests', email: 'immediate' },
    ],
    [
      '--rule-route --email: the whole real route',
      { route: 'rule', email: true },
      { slack: 'shop-oncall', email: 'immediate' },
    ],
  ])('%s', (_case, detail, expected) => {
    expect(testRoutes(detail)).toEqual(expected);
  });

  it('never lets --email make a digest-only rule mail on-call', () => {
    const digestOnly = ruleSet.rules.find((r) => r.routes.email !== 'immediate')!;
    const result = matchRule(
      parsed(
        withValue(
          withValue(fixture('test-alert'), ['detail', 'ruleId'], digestOnly.id),
          ['detail', 'email'],
          true,
        ),
      ),
      ruleSet,
      recordingLogger(),
    );
    expect(result.kind === 'matched' && result.rule.routes.email).toBe('none');
  });
});
