import type { RuleSetInput } from './schema';

/** Slack channels rules may route to. The bot must be invited to each (`/invite @bot`). */
export const routing = {
  // `shop-alert-tests` receives test alerts (rules/test-alerts.ts), so a drill never pages on-call.
  slackChannels: [{ name: 'shop-oncall' }, { name: 'shop-alerts' }, { name: 'shop-alert-tests' }],
} satisfies RuleSetInput['routing'];
