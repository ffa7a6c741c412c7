/**
 * Key layout of the alerts table (single-table design). The CDK construct and the local
 * stand-in create the table from these names, so code and infrastructure cannot drift.
 *
 * | item            | pk                 | sk                              | dayPk / daySk                  |
 * |-----------------|--------------------|---------------------------------|--------------------------------|
 * | incident        | `INC#<id>`         | `META`                          | `DAY#<yyyy-mm-dd>` / `<firstFiredAt>#<id>` |
 * | its usernames   | `INC#<id>`         | `USERS`                         | `DAY#<yyyy-mm-dd>` / `<firstFiredAt>#<id>#users` |
 * | event history   | `INC#<id>`         | `EVENT#<at>#<eventId>`          |                                |
 * | delivery record | `INC#<id>`         | `DELIVERY#<eventKey>#<channel>` |                                |
 * | rule ledger     | `RULE#<ruleId>`    | `LEDGER`                        |                                |
 * | runtime silences| `RULE#<ruleId>`    | `SILENCES`                      |                                |
 * | event binding   | `EVENTID#<id>`     | `BINDING`                       |                                |
 * | test-alert quota| `TESTLIMIT#<ruleId>` | `HOUR#<yyyy-mm-ddThh>`        |                                |
 * | seen Slack request | `INTERACTION#<sha256>` | `SEEN` (expires by TTL)    |                                |
 *
 * The rule ledger holds the incident decision's state and the pending `Incident Updated`
 * events (functions/shared/incidents/ledger.ts); test alerts have their own (`#TEST`).
 *
 * Every item but an open incident (and what it still needs) carries `expiresAt`, the table's
 * TTL attribute: functions/shared/incidents/retention.ts says which, and why. Usernames have an
 * item of their own so they can expire before the incident's counts.
 */
export const ALERTS_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  byDayIndex: 'byDay',
  byDayPartitionKey: 'dayPk',
  byDaySortKey: 'daySk',
  ttl: 'expiresAt',
} as const;

export const incidentPk = (id: string) => `INC#${id}`;
export const rulePk = (ruleId: string) => `RULE#${ruleId}`;
export const testLimitPk = (ruleId: string) => `TESTLIMIT#${ruleId}`;
/** UTC clock hour of `at`: `HOUR#2026-03-02T10`. */
export const testLimitSk = (at: Date) => `HOUR#${at.toISOString().slice(0, 13)}`;
export const META = 'META';
export const USERS = 'USERS';
export const LEDGER = 'LEDGER';
export const SILENCES = 'SILENCES';
/** A verified Slack interactivity request, remembered to reject its replay (functions/interactivity). */
export const interactionPk = (signatureDigest: string) => `INTERACTION#${signatureDigest}`;
export const INTERACTION_SEEN = 'SEEN';
export const eventSk = (at: string, eventId: string) => `EVENT#${at}#${eventId}`;
export const deliverySk = (eventKey: string, channel: string) => `DELIVERY#${eventKey}#${channel}`;
/** Day partitions are UTC calendar days; the digest converts its local period to them. */
export const dayPk = (iso: string) => `DAY#${iso.slice(0, 10)}`;
export const daySk = (firstFiredAt: string, id: string) => `${firstFiredAt}#${id}`;
/** Sorts right after its incident's `daySk`, so a day's query returns the two together. */
export const usersDaySk = (firstFiredAt: string, id: string) => `${daySk(firstFiredAt, id)}#users`;
