/**
 * `user-impact-alerting/cdk`: the {@link UserImpactAlerting} construct, which turns a rule set
 * into X-Ray groups, alarms, sampling rules, the notifier, the digest, topics, the table and the
 * EventBridge rules (infra/user-impact-alerting.ts has every prop and default). Peers: aws-cdk-lib
 * and constructs (package/peers.ts checks them first in the published entry).
 */
export { UserImpactAlerting, type UserImpactAlertingProps } from '../infra/user-impact-alerting';
export { RuleSetError, formatIssue, type RuleIssue } from '../rules/errors';
export type { RuleSet, RuleSetInput } from '../rules/schema';
