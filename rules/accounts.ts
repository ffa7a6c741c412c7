import type { RuleSetInput } from './schema';

/**
 * Accounts besides the deployment's own whose alarm and Insight events the notifier accepts.
 * Leave empty unless another account forwards its CloudWatch or X-Ray events to this account's
 * default bus (an EventBridge rule there targeting this bus, and a bus policy here letting that
 * account put events): then list its 12-digit id. Events of any unlisted account are ignored
 * with a log line, whatever bus they arrive on. `npm run rules -- check` validates the list.
 */
export const accounts = {
  additionalEventSources: [],
} satisfies RuleSetInput['accounts'];
