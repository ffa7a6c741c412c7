/**
 * The one place that derives AWS-facing names from a rule, and maps incoming names back.
 *
 * Scheme: `<prefix>--<rule-id>[--<suffix>]`. Rule ids and prefixes are kebab-case with
 * single dashes only, so `--` cannot occur inside either: the mapping is injective (two
 * deployments with prefixes `uia` and `uia-dev` can never derive the same name) and the
 * reverse lookup is a split, not a guess.
 */
import type { Rule, RuleSet } from './schema';

/** X-Ray: "A group name can have a maximum of 32 characters, and contain alphanumeric characters and dashes." */
export const GROUP_NAME_MAX = 32;
export const GROUP_NAME_PATTERN = /^[A-Za-z0-9-]{1,32}$/;
/** X-Ray: at most 25 groups per account and region (the Default group is not counted by us). */
export const MAX_GROUPS_PER_REGION = 25;
/** CloudWatch alarm names: 1–255 characters. */
export const ALARM_NAME_MAX = 255;
/** EventBridge rule names: 1–64 characters of `[.\-_A-Za-z0-9]`. */
export const EVENT_RULE_NAME_MAX = 64;

const SEP = '--';
const ALARM_SUFFIX = 'trace-count';

/** CloudWatch publishes X-Ray group metrics here (see rules/metric.ts for the sources). */
export const GROUP_METRIC = {
  namespace: 'AWS/X-Ray',
  metricName: 'ApproximateTraceCount',
  dimension: 'GroupName',
} as const;

export const ALARM_EVENT = { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' } as const;
export const INSIGHT_EVENT = { source: 'aws.xray', detailType: 'AWS X-Ray Insight Update' } as const;
/** Detail types on the project's own source (`aws.*` sources are reserved for AWS). */
export const TEST_ALERT_DETAIL_TYPE = 'Test Alert';
export const INCIDENT_UPDATED_DETAIL_TYPE = 'Incident Updated';

export function groupName(prefix: string, ruleId: string): string {
  return `${prefix}${SEP}${ruleId}`;
}

export function alarmName(prefix: string, ruleId: string): string {
  return `${groupName(prefix, ruleId)}${SEP}${ALARM_SUFFIX}`;
}

/** Source of events the project itself puts on a bus (test alerts, incident updates). */
export function projectEventSource(prefix: string): string {
  return `${prefix}.alerting`;
}

/** The project's event bus for `Incident Updated` events (docs/incident-events.md). */
export function incidentBusName(prefix: string): string {
  return `${prefix}-incidents`;
}

/**
 * Alarms about the alerting itself, not a rule's (the notifier's dead-letter queue, operational
 * alarms): `<prefix>--ops--<name>`. They never end in `--trace-count`, so no rule claims them.
 */
export function opsAlarmName(prefix: string, name: string): string {
  return `${prefix}${SEP}ops${SEP}${name}`;
}

/**
 * The bus test alerts travel on: its resource policy admits only the test-alert sender role, so
 * nobody else in the account can make the notifier page (rules/test-alert-access.ts).
 */
export function testAlertBusName(prefix: string): string {
  return `${prefix}-test-alerts`;
}

/** The IAM role allowed to put test alerts (`npm run rules -- fire` runs as it). */
export function testAlertSenderRoleName(prefix: string): string {
  return `${prefix}-test-alert-sender`;
}

export type EventRuleKind = 'alarms' | 'insights' | 'test-alerts' | 'digest-schedule';

export function eventRuleName(prefix: string, kind: EventRuleKind): string {
  return `${prefix}${SEP}${kind}`;
}

/** Every AWS name one rule owns. */
export interface RuleNames {
  groupName: string;
  alarmName: string | undefined;
}

export function namesFor(prefix: string, rule: Pick<Rule, 'id' | 'alarm'>): RuleNames {
  return {
    groupName: groupName(prefix, rule.id),
    alarmName: rule.alarm ? alarmName(prefix, rule.id) : undefined,
  };
}

/** The rule id encoded in a group name of this prefix, or undefined when it is not ours. */
export function ruleIdFromGroupName(prefix: string, name: string): string | undefined {
  const head = `${prefix}${SEP}`;
  if (!name.startsWith(head)) return undefined;
  const id = name.slice(head.length);
  return id.length > 0 && !id.includes(SEP) ? id : undefined;
}

export function ruleIdFromAlarmName(prefix: string, name: string): string | undefined {
  const tail = `${SEP}${ALARM_SUFFIX}`;
  if (!name.endsWith(tail)) return undefined;
  return ruleIdFromGroupName(prefix, name.slice(0, -tail.length));
}

/** `arn:aws:xray:<region>:<account>:group/<GroupName>/<id>` → GroupName. */
export function groupNameFromArn(arn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:xray:[^:]*:\d*:group\/([^/]+)(?:\/[^/]*)?$/.exec(arn);
  return match?.[1];
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:<AlarmName>` → AlarmName. */
export function alarmNameFromArn(arn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:cloudwatch:[^:]*:\d*:alarm:(.+)$/.exec(arn);
  return match?.[1];
}

function ruleById(ruleSet: RuleSet, id: string | undefined): Rule | undefined {
  return id === undefined ? undefined : ruleSet.rules.find((r) => r.id === id);
}

/** Rule behind an alarm name (only rules that define an alarm own one). */
export function ruleForAlarmName(ruleSet: RuleSet, name: string): Rule | undefined {
  const rule = ruleById(ruleSet, ruleIdFromAlarmName(ruleSet.namePrefix, name));
  return rule?.alarm ? rule : undefined;
}

export function ruleForGroupName(ruleSet: RuleSet, name: string): Rule | undefined {
  return ruleById(ruleSet, ruleIdFromGroupName(ruleSet.namePrefix, name));
}

export function ruleForGroupArn(ruleSet: RuleSet, arn: string): Rule | undefined {
  const name = groupNameFromArn(arn);
  return name === undefined ? undefined : ruleForGroupName(ruleSet, name);
}

/**
 * The accounts whose alarm and Insight events this deployment handles: its own, then those
 * listed in `accounts.additionalEventSources` (cross-account setups), without repeats.
 */
export function eventSourceAccounts(ruleSet: Pick<RuleSet, 'accounts'>, ownAccount: string): string[] {
  return [...new Set([ownAccount, ...ruleSet.accounts.additionalEventSources])];
}

/**
 * EventBridge patterns: only our alarms and our groups, and only from our accounts, so foreign
 * events never wake the notifier (it checks the account again: parse.ts). The CDK stack deploys
 * these and the local event bus matches with them. `ownAccount` is the deployment's account.
 */
export function alarmEventPattern(ruleSet: RuleSet, ownAccount: string): Record<string, unknown> {
  const names = ruleSet.rules.flatMap((r) => (r.alarm ? [alarmName(ruleSet.namePrefix, r.id)] : []));
  return {
    account: eventSourceAccounts(ruleSet, ownAccount),
    source: [ALARM_EVENT.source],
    'detail-type': [ALARM_EVENT.detailType],
    detail: { alarmName: names },
  };
}

export function insightEventPattern(ruleSet: RuleSet, ownAccount: string): Record<string, unknown> {
  const names = ruleSet.rules.flatMap((r) =>
    r.group.insights && r.group.insightNotifications ? [groupName(ruleSet.namePrefix, r.id)] : [],
  );
  return {
    account: eventSourceAccounts(ruleSet, ownAccount),
    source: [INSIGHT_EVENT.source],
    'detail-type': [INSIGHT_EVENT.detailType],
    detail: { GroupName: names },
  };
}

/** Test alerts only ever come from the deployment's own account (its test-alert bus admits no other). */
export function testAlertEventPattern(ruleSet: RuleSet, ownAccount: string): Record<string, unknown> {
  return {
    account: [ownAccount],
    source: [projectEventSource(ruleSet.namePrefix)],
    'detail-type': [TEST_ALERT_DETAIL_TYPE],
  };
}
