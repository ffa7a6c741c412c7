/**
 * Retention of the alerts table: every item's `expiresAt` (the table's TTL attribute, epoch
 * seconds) is computed here, from the rule set's `retention` (rules/retention.ts), and every
 * reader asks here whether an item is still live.
 *
 * The rule: nothing expires before what still reads it.
 *
 * | item                                  | `expiresAt`                              | what reads it, and until when            |
 * |---------------------------------------|------------------------------------------|------------------------------------------|
 * | incident, open                        | none                                     | every later event of the incident        |
 * | incident, resolved                    | resolved + `incidentDays` (set when it   | the digest, late events, a reopen        |
 * |                                       | resolved; later writes keep it)          |                                          |
 * | the incident's own delivery records   | the incident's, to the second: none      | every later event of the incident: a     |
 * | (`eventKey: 'incident'`: thread root, | while it is open (incident-lifetime.ts)  | root gone would post a second thread, an |
 * | page email, root rewrite lease)       |                                          | email record gone would mail again       |
 * | per-event delivery records (reply,    | written + `incidentDays`                 | only a redelivery of that event          |
 * | follow-up, impact, Incident Updated)  |                                          | (at most REDELIVERY_DAYS later)          |
 * | event history                         | written + `incidentDays`                 | people and tools; no decision reads it   |
 * | the incident's usernames (`USERS`)    | last recorded + `usernameDays`           | pages, the digest, Incident Updated: all |
 * |                                       |                                          | work on without them, from the counts    |
 * | rule ledger (decision + outbox)       | none while a span is open or an event is | the next event of the rule; the outbox   |
 * |                                       | still to publish; else written + `incidentDays` | must be published                 |
 * | event binding                         | written + `incidentDays`                 | redeliveries (validated: `incidentDays`  |
 * |                                       |                                          | ≥ REDELIVERY_DAYS)                       |
 * | test-alert quota                      | its hour's end + 1 h (test-alert-limit.ts) | only its own hour                      |
 *
 * DynamoDB deletes an expired item lazily: typically within a few days of `expiresAt`, and
 * until then it is returned by every read (docs/retention.md). So an item whose `expiresAt` has
 * passed is gone for this code: every read goes through `live()`, and every conditional write
 * that means "only if absent" also accepts an expired item (`absent()`), or a binding or claim
 * that expired would block its own key for days.
 */
import { retentionSchema, type Retention } from '../../../rules/schema';
import { ALERTS_TABLE_KEYS as K } from '../alerts-table';

export const DEFAULT_RETENTION: Retention = retentionSchema.parse({});

const DAY_S = 86_400;

export interface Expiry {
  /** Now, in the TTL attribute's unit (epoch seconds). */
  nowSeconds(): number;
  /** A record written now: incidents, history, deliveries, ledgers, bindings. */
  record(): number;
  /** Usernames recorded now. */
  usernames(): number;
  /** The item, unless it carries an `expiresAt` at or before now (then: gone, not yet deleted). */
  live<T extends Record<string, unknown>>(item: T | undefined): T | undefined;
  /**
   * "The item is absent" for a condition expression: absent, or expired and not yet deleted.
   * Merge `names` and `values` into the command's own (the placeholders are reserved here).
   */
  absent(): { expression: string; names: Record<string, string>; values: Record<string, number> };
}

export function createExpiry(retention: Retention, now: () => Date): Expiry {
  const nowSeconds = () => Math.floor(now().getTime() / 1000);
  return {
    nowSeconds,
    record: () => nowSeconds() + retention.incidentDays * DAY_S,
    usernames: () => nowSeconds() + retention.usernameDays * DAY_S,
    live: (item) => (item === undefined || isExpired(item, nowSeconds()) ? undefined : item),
    absent: () => ({
      expression: '(attribute_not_exists(#pk) OR #expiresAt <= :nowSeconds)',
      names: { '#pk': K.partitionKey, '#expiresAt': K.ttl },
      values: { ':nowSeconds': nowSeconds() },
    }),
  };
}

/**
 * AWS's test, on the safe side: a numeric `expiresAt` at or before now. (TTL itself ignores
 * non-numbers and values more than five years old; this code never writes either.)
 */
export function isExpired(item: Record<string, unknown>, nowSeconds: number): boolean {
  const at = item[K.ttl];
  return typeof at === 'number' && at <= nowSeconds;
}
