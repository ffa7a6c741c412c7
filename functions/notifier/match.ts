/**
 * Alert → the rule that owns it, through rules/names.ts only (the rule set is bundled with the
 * function, so there is no runtime lookup that could fail or drift from what infra deployed).
 *
 * A name with our prefix but no matching rule is a leftover (a rule deleted while its alarm or
 * group still exists, or an alarm on a rule that no longer defines one): ignored with a warning.
 * So is a test alert naming an unknown rule (a typo, or a rule since deleted): dead-lettering it
 * would page on-call through the DLQ alarm, the one thing a test must not do. A matched test
 * alert gets its test routes (test-alert-route.ts).
 */
import { ruleForAlarmName, ruleForGroupArn, ruleForGroupName } from '../../rules/names';
import type { Rule, RuleSet } from '../../rules/schema';
import type { Alert, Ignored } from './alert';
import type { NotifierLogger } from './ports';
import { testAlertRule } from './test-alert-route';

export type MatchResult = { kind: 'matched'; rule: Rule } | Ignored;

export function matchRule(alert: Alert, ruleSet: RuleSet, logger: NotifierLogger): MatchResult {
  const rule = findRule(alert, ruleSet);
  if (rule === undefined) {
    const reason =
      alert.kind === 'test'
        ? `test alert names rule "${alert.ruleId}", which is not in the rule set`
        : `${describe(alert)} has our prefix but no rule in the rule set owns it (stale resource?)`;
    logger.warn('ignoring event', { reason, eventId: alert.eventId, ruleId: alert.ruleId });
    return { kind: 'ignored', reason };
  }
  if (alert.kind === 'test')
    return { kind: 'matched', rule: testAlertRule(rule, alert.test, ruleSet.testAlerts) };
  return { kind: 'matched', rule };
}

function findRule(alert: Alert, ruleSet: RuleSet): Rule | undefined {
  switch (alert.kind) {
    case 'alarm':
      return ruleForAlarmName(ruleSet, alert.alarm.alarmName);
    case 'insight':
      return (
        (alert.insight.groupArn ? ruleForGroupArn(ruleSet, alert.insight.groupArn) : undefined) ??
        ruleForGroupName(ruleSet, alert.insight.groupName)
      );
    case 'test':
      return ruleSet.rules.find((r) => r.id === alert.ruleId);
  }
}

function describe(alert: Alert): string {
  switch (alert.kind) {
    case 'alarm':
      return `alarm "${alert.alarm.alarmName}"`;
    case 'insight':
      return `X-Ray group "${alert.insight.groupName}"`;
    case 'test':
      return `rule "${alert.ruleId}"`;
  }
}
