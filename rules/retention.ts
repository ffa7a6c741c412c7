import type { RuleSetInput } from './schema';

/**
 * How long the alerts table keeps incidents and their usernames (DynamoDB TTL). Ninety days
 * covers a quarter's reviews; usernames go after thirty, which is longer than the weekly digest
 * reads back (fifteen days) and matches X-Ray's own trace retention (thirty days): the notifier
 * keeps a name about as long as AWS keeps the traces it came from. `npm run rules -- check`
 * validates both against what still reads them (rules/retention-bounds.ts).
 */
export const retention = {
  incidentDays: 90,
  usernameDays: 30,
} satisfies RuleSetInput['retention'];
