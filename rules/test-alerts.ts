import type { RuleSetInput } from './schema';

/**
 * `npm run rules -- fire <rule>` pages here, never on-call, unless the sender asks for the rule's
 * own route (`--rule-route`) or its email (`--email`). Six per rule per hour is a drill's worth
 * (fire and resolve three times) and caps what a leaked sender credential can do.
 */
export const testAlerts = {
  slackChannel: 'shop-alert-tests',
  maxPerRulePerHour: 6,
} satisfies RuleSetInput['testAlerts'];
