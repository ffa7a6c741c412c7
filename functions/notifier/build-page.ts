/**
 * One EventBridge event → the page it would produce: parse → match → enrich → render, with no
 * delivery and no incident state (`npm run rules -- preview`). The handler runs the same
 * stages inside process-event.ts, where incident state decides what is still to be sent.
 *
 * Ignored events (not ours) return `{ kind: 'ignored' }`; malformed events of ours throw
 * PermanentError (→ DLQ). Enrichment never throws: its status travels on the page instead.
 */
import type { Rule, RuleSet } from '../../rules/schema';
import type { EmailMessage } from '../../templates/email-alert';
import type { SlackMessage } from '../../templates/slack-alert';
import type { Alert, Ignored } from './alert';
import { enrich, type EnrichDeps } from './enrich';
import type { Enrichment } from './enrichment';
import { matchRule } from './match';
import { parseEvent } from './parse';
import { renderPage } from './render';

export interface BuildPageDeps extends EnrichDeps {
  ruleSet: RuleSet;
  /** Accounts whose events are ours (`eventSourceAccounts` in rules/names.ts). */
  eventAccounts: readonly string[];
  /** Share (0–1] of requests X-Ray samples for these traces; shown on the page when below 1. */
  samplingRate?: number | undefined;
}

export interface BuiltPage {
  kind: 'page';
  alert: Alert;
  rule: Rule;
  enrichment: Enrichment;
  slack: SlackMessage;
  email: EmailMessage;
}

export type BuildPageResult = BuiltPage | Ignored;

export async function buildPage(event: unknown, deps: BuildPageDeps): Promise<BuildPageResult> {
  const parsed = parseEvent(event, {
    namePrefix: deps.ruleSet.namePrefix,
    accounts: deps.eventAccounts,
    logger: deps.logger,
  });
  if (parsed.kind === 'ignored') return parsed;
  const { alert } = parsed;

  const matched = matchRule(alert, deps.ruleSet, deps.logger);
  if (matched.kind === 'ignored') return matched;
  const { rule } = matched;

  const enrichment = await enrich({ alert, rule }, deps);
  const { slack, email } = renderPage(alert, rule, enrichment, {
    now: deps.now(),
    samplingRate: deps.samplingRate,
  });
  return { kind: 'page', alert, rule, enrichment, slack, email };
}
