import type { RuleSetInput } from './schema';

/** Slack channels rules may route to. The bot must be invited to each (`/invite @bot`). */
export const routing = {
  slackChannels: [{ name: 'shop-oncall' }, { name: 'shop-alerts' }],
} satisfies RuleSetInput['routing'];
