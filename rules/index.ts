/**
 * The project's rule set. `ruleSetDefinition` is the raw input (tests and the CLI validate
 * it with a clock); `ruleSet` is the validated value the notifier, digest and infra use.
 */
import { accounts } from './accounts';
import { catalog } from './catalog';
import { defineRuleSet } from './define';
import { digest } from './digest';
import { loadRuleSet } from './load';
import { retention } from './retention';
import { routing } from './routing';
import { sampling } from './sampling';
import { testAlerts } from './test-alerts';

export const ruleSetDefinition = defineRuleSet({
  namePrefix: 'uia',
  rules: catalog,
  routing,
  digest,
  sampling,
  accounts,
  testAlerts,
  retention,
});

export const ruleSet = loadRuleSet(ruleSetDefinition);

export * from './schema';
export * from './errors';
export { loadRuleSet, checkRuleSet } from './load';
export { REDELIVERY_DAYS, digestLookbackDays } from './retention-bounds';
export { defineRule, defineRuleSet } from './define';
