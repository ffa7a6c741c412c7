/**
 * The bounds a rule set's `retention` must respect, because something still reads what would
 * otherwise be gone. `npm run rules -- check` reports each broken bound with its reason.
 *
 * | bound                                      | why                                                    |
 * |--------------------------------------------|--------------------------------------------------------|
 * | `incidentDays` ≥ REDELIVERY_DAYS (16)      | a redelivered event (a dead letter replayed on its     |
 * |                                            | last day) must still find its event binding and        |
 * |                                            | delivery records, or it would be decided and sent again|
 * | `usernameDays` ≥ the digest's look-back    | the digest counts distinct users over this period and  |
 * | (weekly: 15, daily: 3)                     | the one before; with the names gone it can only give a |
 * |                                            | lower bound                                            |
 * | `usernameDays` ≤ `incidentDays`            | names outliving their incident would be names nobody   |
 * |                                            | can read, and the counts must outlive the names        |
 *
 * The queue retentions are declared here, not in infra/, so the check and the stack use one
 * number (infra/constructs/notifier.ts reads them).
 */
import type { DigestConfig, RuleSet } from './schema';
import type { RuleIssue } from './errors';

/** The notifier's dead-letter queue keeps messages this long (SQS's maximum, 14 days). */
export const DEAD_LETTER_RETENTION_DAYS = 14;
/** The deferral queue keeps a deferred event this long before it is lost to the DLQ redrive. */
export const DEFERRAL_RETENTION_DAYS = 1;
/**
 * Longest an event can come back after it was first processed: deferred for up to a day,
 * dead-lettered, then replayed on the DLQ's last day, plus EventBridge's and Lambda's retries
 * (2 hours, rounded up to a day).
 */
export const REDELIVERY_DAYS = DEAD_LETTER_RETENTION_DAYS + DEFERRAL_RETENTION_DAYS + 1;

/**
 * Days back the digest reads at its scheduled time: the period it reports and the one before
 * (the comparison), plus a day for the Scheduler's retries and a late run.
 */
export function digestLookbackDays(cadence: DigestConfig['cadence']): number {
  return (cadence === 'weekly' ? 14 : 2) + 1;
}

export function retentionIssues(ruleSet: Pick<RuleSet, 'retention' | 'digest'>): RuleIssue[] {
  const { incidentDays, usernameDays } = ruleSet.retention;
  const issues: RuleIssue[] = [];
  const add = (path: string, message: string) =>
    issues.push({ ruleId: undefined, path: `retention.${path}`, message });
  if (incidentDays < REDELIVERY_DAYS) {
    add(
      'incidentDays',
      `${incidentDays} days is shorter than an event can come back (${REDELIVERY_DAYS} days: dead-letter retention ${DEAD_LETTER_RETENTION_DAYS}, deferral ${DEFERRAL_RETENTION_DAYS}, retries 1); a replayed event would page again`,
    );
  }
  if (usernameDays > incidentDays) {
    add('usernameDays', `${usernameDays} days outlives the incidents (incidentDays: ${incidentDays})`);
  }
  const lookback = digestLookbackDays(ruleSet.digest.cadence);
  if (usernameDays < lookback) {
    add(
      'usernameDays',
      `${usernameDays} days is shorter than the ${ruleSet.digest.cadence} digest reads back (${lookback} days); its distinct-user counts would become lower bounds`,
    );
  }
  return issues;
}
