/**
 * Checks that need the whole rule set (or AWS's limits) beyond what the zod shape says.
 * Pure: the clock is passed in, and every problem is returned, never thrown one by one.
 */
import type { RuleIssue } from './errors';
import { formatFilterError, parseFilter } from './filter';
import {
  ALARM_NAME_MAX,
  EVENT_RULE_NAME_MAX,
  GROUP_NAME_MAX,
  GROUP_NAME_PATTERN,
  MAX_GROUPS_PER_REGION,
  alarmName,
  eventRuleName,
  groupName,
} from './names';
import { retentionIssues } from './retention-bounds';
import type { AlarmSettings, Rule, RuleSet } from './schema';

export interface ValidateOptions {
  /**
   * Ids of rules that failed their own schema (their problems are reported already): a
   * reference to one is not also reported as a reference to a rule that does not exist.
   */
  invalidRuleIds?: ReadonlySet<string>;
  /**
   * When given, silences that ended before `now` are errors (stale config). Omitted at
   * runtime in Lambda, where an expired silence simply stops applying.
   */
  now?: Date;
}

const ONE_DAY_S = 86_400;
const SEVEN_DAYS_S = 7 * ONE_DAY_S;

export function validateRuleSet(ruleSet: RuleSet, options: ValidateOptions = {}): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const setIssue = (path: string, message: string) => issues.push({ ruleId: undefined, path, message });

  if (ruleSet.rules.length > MAX_GROUPS_PER_REGION) {
    setIssue(
      'rules',
      `${ruleSet.rules.length} rules need ${ruleSet.rules.length} X-Ray groups; AWS allows at most ${MAX_GROUPS_PER_REGION} per region`,
    );
  }

  const channels = new Set(ruleSet.routing.slackChannels.map((c) => c.name));
  for (const rule of ruleSet.rules) issues.push(...validateRule(rule, ruleSet.namePrefix, channels, options));

  const samplingNames = new Set<string>();
  ruleSet.sampling.forEach((s, i) => {
    if (samplingNames.has(s.name))
      setIssue(`sampling[${i}].name`, `duplicate sampling rule name "${s.name}"`);
    samplingNames.add(s.name);
  });

  const accounts = new Set<string>();
  ruleSet.accounts.additionalEventSources.forEach((account, i) => {
    if (accounts.has(account))
      setIssue(`accounts.additionalEventSources[${i}]`, `account ${account} is listed twice`);
    accounts.add(account);
  });

  issues.push(...inhibitionIssues(ruleSet, options.invalidRuleIds ?? new Set()));

  const testChannel = ruleSet.testAlerts.slackChannel;
  if (testChannel !== undefined && !channels.has(testChannel)) {
    setIssue('testAlerts.slackChannel', `Slack channel "${testChannel}" is not in routing.slackChannels`);
  }

  issues.push(...retentionIssues(ruleSet));

  if (!isTimeZone(ruleSet.digest.timezone)) {
    setIssue('digest.timezone', `unknown IANA time zone "${ruleSet.digest.timezone}"`);
  }
  for (const kind of ['alarms', 'insights', 'test-alerts', 'digest-schedule'] as const) {
    const name = eventRuleName(ruleSet.namePrefix, kind);
    if (name.length > EVENT_RULE_NAME_MAX) {
      setIssue('namePrefix', `EventBridge rule name "${name}" exceeds ${EVENT_RULE_NAME_MAX} characters`);
    }
  }
  return issues;
}

function validateRule(
  rule: Rule,
  prefix: string,
  channels: ReadonlySet<string>,
  { now }: ValidateOptions,
): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const add = (path: string, message: string) => issues.push({ ruleId: rule.id, path, message });

  const group = groupName(prefix, rule.id);
  if (group.length > GROUP_NAME_MAX) {
    add(
      'id',
      `X-Ray group name "${group}" is ${group.length} characters; AWS allows ${GROUP_NAME_MAX} (shorten the id to ${GROUP_NAME_MAX - (group.length - rule.id.length)} characters)`,
    );
  } else if (!GROUP_NAME_PATTERN.test(group)) {
    add('id', `X-Ray group name "${group}" may contain only letters, digits and dashes`);
  }

  const parsed = parseFilter(rule.group.filterExpression);
  if (!parsed.ok) {
    for (const error of parsed.errors)
      add('group.filterExpression', `does not parse: ${formatFilterError(error)}`);
  }

  if (rule.group.insightNotifications && !rule.group.insights) {
    add('group.insightNotifications', 'Insight notifications need `insights: true` (AWS rejects the group)');
  }

  if (rule.alarm) {
    for (const message of alarmProblems(rule.alarm)) add('alarm', message);
    const name = alarmName(prefix, rule.id);
    if (name.length > ALARM_NAME_MAX) add('id', `alarm name exceeds ${ALARM_NAME_MAX} characters`);
  }

  if (rule.routes.slack !== undefined && !channels.has(rule.routes.slack)) {
    const known = [...channels].join(', ') || 'none';
    add(
      'routes.slack',
      `Slack channel "${rule.routes.slack}" is not in routing.slackChannels (known: ${known})`,
    );
  }
  if (rule.severity === 'page' && rule.routes.slack === undefined && rule.routes.email !== 'immediate') {
    add('routes', 'a `page` rule must reach someone now: set routes.slack or routes.email = "immediate"');
  }

  issues.push(...escalationProblems(rule).map(([path, message]) => ({ ruleId: rule.id, path, message })));

  if (now) {
    rule.silences.forEach((silence, i) => {
      if (Date.parse(silence.until) <= now.getTime()) {
        add(
          `silences[${i}].until`,
          `silence ended ${silence.until}; remove it (reason was: ${silence.reason})`,
        );
      }
    });
  }
  return issues;
}

const RANK: Record<Rule['severity'], number> = { page: 3, ticket: 2, info: 1 };

/**
 * `inhibits`: every target exists, is not the rule itself, has a lower severity (a page is
 * never silenced by a ticket), and no chain of inhibitions comes back to where it started.
 * `impact` only on `page` rules (it decides whether they page).
 */
function inhibitionIssues(ruleSet: RuleSet, invalid: ReadonlySet<string>): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const byId = new Map(ruleSet.rules.map((r) => [r.id, r]));
  for (const rule of ruleSet.rules) {
    const add = (path: string, message: string) => issues.push({ ruleId: rule.id, path, message });
    rule.inhibits.forEach((target, i) => {
      const other = byId.get(target);
      if (target === rule.id) add(`inhibits[${i}]`, 'a rule cannot inhibit itself');
      else if (!other) {
        if (!invalid.has(target))
          add(`inhibits[${i}]`, `no rule "${target}" (known: ${[...byId.keys()].join(', ')})`);
      } else if (RANK[other.severity] >= RANK[rule.severity])
        add(
          `inhibits[${i}]`,
          `"${target}" is ${other.severity}, not lower than this rule's ${rule.severity}: only a higher severity inhibits`,
        );
      if (rule.inhibits.indexOf(target) !== i) add(`inhibits[${i}]`, `"${target}" is listed twice`);
    });
    if (rule.impact && rule.severity !== 'page')
      add('impact', `impact decides whether a page rule pages; this rule is ${rule.severity}`);
  }
  for (const cycle of inhibitionCycles(ruleSet.rules)) {
    issues.push({ ruleId: cycle[0], path: 'inhibits', message: `inhibition cycle: ${cycle.join(' → ')}` });
  }
  return issues;
}

/** Each cycle once, as the ids along it (first id repeated at the end). */
export function inhibitionCycles(rules: readonly Pick<Rule, 'id' | 'inhibits'>[]): string[][] {
  const edges = new Map(rules.map((r) => [r.id, r.inhibits]));
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]) => {
    state.set(id, 'open');
    for (const next of edges.get(id) ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === 'open') {
        const cycle = [...path.slice(path.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join(',');
        if (!seen.has(key)) {
          cycles.push(cycle);
          seen.add(key);
        }
      } else if (state.get(next) !== 'done') visit(next, [...path, next]);
    }
    state.set(id, 'done');
  };
  for (const r of rules) if (!state.has(r.id)) visit(r.id, [r.id]);
  return cycles;
}

/**
 * An escalation must reach someone, and what it mentions must exist where it is posted. The
 * user-group id's format is checked by the schema (schema.ts `slackUserGroupIdSchema`).
 */
function escalationProblems(rule: Rule): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const { escalation } = rule;
  if (!escalation) return problems;
  const { slackUserGroup, email } = escalation.notify;
  if (slackUserGroup === undefined && !email) {
    problems.push([
      'escalation.notify',
      'an escalation must notify someone: set slackUserGroup or email: true',
    ]);
  }
  if (slackUserGroup !== undefined && rule.routes.slack === undefined) {
    problems.push([
      'escalation.notify.slackUserGroup',
      'the user group is mentioned in the incident’s Slack thread, but the rule has no routes.slack',
    ]);
  }
  // Nothing acknowledges a page nobody sees in Slack: the buttons live on the thread root.
  if (rule.routes.slack === undefined) {
    problems.push(['escalation', 'escalation stops on Acknowledge in Slack: the rule needs routes.slack']);
  }
  return problems;
}

/** Settings that CloudWatch PutMetricAlarm would reject, or that can never see a datapoint. */
function alarmProblems(alarm: AlarmSettings): string[] {
  const problems: string[] = [];
  const { periodSeconds: period, evaluationPeriods, datapointsToAlarm } = alarm;
  if (period % 60 !== 0) {
    problems.push(
      `periodSeconds ${period} is not a multiple of 60: X-Ray publishes ApproximateTraceCount once a minute`,
    );
  }
  if (period > ONE_DAY_S)
    problems.push(`periodSeconds ${period} exceeds CloudWatch's maximum of ${ONE_DAY_S}`);
  if (datapointsToAlarm > evaluationPeriods) {
    problems.push(
      `datapointsToAlarm (${datapointsToAlarm}) cannot exceed evaluationPeriods (${evaluationPeriods})`,
    );
  }
  // CloudWatch: evaluation range ≤ 1 day, or ≤ 7 days for periods of an hour or more.
  const range = period * evaluationPeriods;
  const maxRange = period >= 3_600 ? SEVEN_DAYS_S : ONE_DAY_S;
  if (range > maxRange) {
    problems.push(
      `evaluationPeriods × periodSeconds = ${range} s exceeds CloudWatch's limit of ${maxRange} s for this period`,
    );
  }
  return problems;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
