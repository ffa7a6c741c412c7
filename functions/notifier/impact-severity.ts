/**
 * Severity from impact (`rule.impact`): does this incident page, or is it `otherwise`? Pure;
 * process-event.ts decides once per incident, after at most `enrichment.emailWaitMs` of reading,
 * and records the decision on the incident (first decision wins, so a page is never withdrawn
 * and duplicates agree).
 *
 * | what the reading says                          | severity    | shown on the page                          |
 * |------------------------------------------------|-------------|--------------------------------------------|
 * | no `impact` on the rule                        | the rule's  | nothing                                    |
 * | ≥ N registered users                           | page        | "paged: 14 registered users ≥ 3"           |
 * | < N registered users, every trace read         | `otherwise` | "ticket: 2 registered users < 3"           |
 * | < N so far, still reading or stopped early     | page        | "paged: 2 registered users so far < 3, …"  |
 * | users unknown (X-Ray failed)                   | page        | "paged: users unknown, impact not known"   |
 *
 * "Registered users" is the distinct users seen, or under sampling the estimate of those affected
 * when it is higher (a sampled count is a lower bound). The cautious rows are Alertmanager's and
 * PagerDuty's stance: when in doubt, page (a page that should not have been beats one never sent).
 */
import type { Rule, Severity } from '../../rules/schema';
import type { Enrichment } from './enrichment';

export interface SeverityDecision {
  severity: Severity;
  /** The line the page shows, e.g. "paged: 14 registered users ≥ 3"; undefined without `impact`. */
  reason: string | undefined;
}

type ImpactInput = Pick<Enrichment, 'status' | 'distinctUsers' | 'distinctUsersCapped' | 'estimate'>;

export function decideSeverity(
  rule: Pick<Rule, 'severity' | 'impact'>,
  enrichment: ImpactInput,
): SeverityDecision {
  const impact = rule.impact;
  if (!impact) return { severity: rule.severity, reason: undefined };
  const bar = impact.pageWhen.registeredUsersAtLeast;
  if (enrichment.status === 'failed')
    return { severity: 'page', reason: 'paged: users unknown, impact not known' };
  const users = registeredUsers(enrichment);
  const counted = `${users.toLocaleString('en-US')}${enrichment.distinctUsersCapped ? '+' : ''} registered ${users === 1 ? 'user' : 'users'}`;
  if (users >= bar) return { severity: 'page', reason: `paged: ${counted} ≥ ${bar}` };
  if (enrichment.status === 'complete')
    return { severity: impact.otherwise, reason: `${impact.otherwise}: ${counted} < ${bar}` };
  return { severity: 'page', reason: `paged: ${counted} so far < ${bar}, not every trace read yet` };
}

function registeredUsers(e: ImpactInput): number {
  return Math.max(e.distinctUsers, e.estimate?.estimate ?? 0);
}
