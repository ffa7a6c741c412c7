/**
 * `user-impact-alerting/rules` (also the package's main entry): define rules in your own code,
 * validate them the way the construct does at synth, and read back the file a deployment carries.
 * README "Add it to your app" shows a rule file; docs/public-api.md lists every export.
 */
export { defineRule, defineRuleSet } from '../rules/define';
export { checkRuleSet, loadRuleSet, type LoadOptions } from '../rules/load';
export { RuleSetError, formatIssue, type RuleIssue } from '../rules/errors';
export { DEPLOYED_RULE_SET_FORMAT, parseDeployedRuleSet, serializeRuleSet } from '../rules/deployed';
export type {
  AccountsConfig,
  AlarmSettings,
  DigestConfig,
  Rule,
  RuleInput,
  RuleSet,
  RuleSetInput,
  SamplingRule,
  Severity,
  TestAlertsConfig,
} from '../rules/schema';
