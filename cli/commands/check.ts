/**
 * `npm run rules -- check`: validates the rule set with today's clock and prints what it
 * would deploy (rules and their derived AWS names), or every problem with exit code 1.
 */
import { formatIssue } from '../../rules/errors';
import { checkRuleSet } from '../../rules/load';
import { namesFor } from '../../rules/names';
import type { RuleSet, RuleSetInput } from '../../rules/schema';
import type { RuleSource } from '../rule-source';
import { renderTable } from '../table';

export interface CheckDeps {
  definition: RuleSetInput;
  now: Date;
}

export function depsFor(source: RuleSource): CheckDeps {
  return { definition: source.definition, now: new Date() };
}

export async function run(_argv: string[], { definition, now }: CheckDeps): Promise<number> {
  const { ruleSet, issues } = checkRuleSet(definition, { now });
  if (!ruleSet) {
    console.error(`✗ ${issues.length} problem${issues.length === 1 ? '' : 's'} in the rule set:`);
    for (const issue of issues) console.error(`  - ${formatIssue(issue)}`);
    return 1;
  }
  console.log(describeRuleSet(ruleSet));
  return 0;
}

export function describeRuleSet(ruleSet: RuleSet): string {
  const rules = renderTable(
    ['rule', 'severity', 'X-Ray group', 'alarm', 'insights', 'slack', 'email', 'owner'],
    ruleSet.rules.map((rule) => {
      const names = namesFor(ruleSet.namePrefix, rule);
      const a = rule.alarm;
      const alarm = a
        ? `${names.alarmName} (${a.statistic} ${symbol(a.comparison)} ${a.threshold}, ${a.datapointsToAlarm}/${a.evaluationPeriods} × ${a.periodSeconds}s)`
        : '—';
      const insights = rule.group.insights ? (rule.group.insightNotifications ? 'on+events' : 'on') : 'off';
      return [
        rule.id,
        rule.severity,
        names.groupName,
        alarm,
        insights,
        rule.routes.slack ?? '—',
        rule.routes.email,
        rule.owner,
      ];
    }),
  );
  const filters = ruleSet.rules.map((r) => `  ${r.id}: ${r.group.filterExpression}`).join('\n');
  const sampling = ruleSet.sampling
    .map(
      (s) =>
        `  ${s.name}: priority ${s.priority}, ${s.reservoirSize}/s then ${s.fixedRate * 100}% of ${s.httpMethod} ${s.urlPath}`,
    )
    .join('\n');
  const d = ruleSet.digest;
  const when = d.cadence === 'weekly' ? `weekly on ${d.weekday}` : 'daily';
  return [
    `✓ ${ruleSet.rules.length} rules valid (name prefix "${ruleSet.namePrefix}")`,
    '',
    rules,
    '',
    'Filter expressions:',
    filters,
    '',
    'Sampling:',
    sampling || '  (none: X-Ray default of 1/s + 5%)',
    '',
    `Digest: ${when} at ${String(d.hour).padStart(2, '0')}:00 ${d.timezone}, ${d.recipients.length} recipient(s), ${d.nameUsers ? 'names users' : 'counts only'}`,
    `Test alerts: ${ruleSet.testAlerts.slackChannel ? `#${ruleSet.testAlerts.slackChannel}` : 'no test channel'}, at most ${ruleSet.testAlerts.maxPerRulePerHour} per rule per hour`,
    `Event accounts: this deployment's${ruleSet.accounts.additionalEventSources.map((a) => `, ${a}`).join('')}`,
    `Retention: incidents ${ruleSet.retention.incidentDays} days after they resolve (open ones never expire), usernames ${ruleSet.retention.usernameDays} days after they were recorded`,
  ].join('\n');
}

function symbol(comparison: string): string {
  return (
    {
      GreaterThanThreshold: '>',
      GreaterThanOrEqualToThreshold: '>=',
      LessThanThreshold: '<',
      LessThanOrEqualToThreshold: '<=',
    }[comparison] ?? comparison
  );
}
