import { describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import type { Alert } from './alert';
import { PermanentError } from './errors';
import { matchRule } from './match';
import { parseEvent } from './parse';
import { fixture, recordingLogger, withValue } from './test-support';

function parsed(event: Record<string, unknown>): Alert {
  const result = parseEvent(event, { namePrefix: ruleSet.namePrefix, logger: recordingLogger() });
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

  it('rejects a test alert for a rule that does not exist as permanent', () => {
    const event = withValue(fixture('test-alert'), ['detail', 'ruleId'], 'no-such-rule');
    expect(() => matchRule(parsed(event), ruleSet, recordingLogger())).toThrow(PermanentError);
    expect(() => matchRule(parsed(event), ruleSet, recordingLogger())).toThrow(
      /detail\.ruleId: "no-such-rule"/,
    );
  });
});
