/**
 * Page first, then finish the user list: when the page's enrichment stopped early with a
 * resume token, read on from that token with whatever time the invocation has left, record
 * the extra users on the incident, and post them in the incident thread.
 *
 * Best effort and never retried: the page is out and says it is partial; a failure here is
 * logged and swallowed (an invocation must not fail, and re-page, for a footnote).
 */
import type { Rule } from '../../rules/schema';
import type { IncidentRecords } from '../shared/incidents/types';
import type { Alert } from './alert';
import type { Budget } from './budget';
import { sendOnce, type ClaimDeps } from './delivery-claim';
import { SLACK_SEND, type ThreadRoot } from './deliver-slack';
import { enrich, type EnrichDeps } from './enrich';
import type { Enrichment } from './enrichment';
import { renderFollowUp } from '../../templates/slack-follow-up';
import { impactOf, usernamesOf } from './impact';
import { deliveryKeys } from './plan-deliveries';
import type { SlackApi } from './slack-api';

/** Time kept back for posting the follow-up and recording it. */
export const FOLLOW_UP_POST_RESERVE_MS = 2_000;
/** Below this there is no point starting another GetTraceSummaries page. */
export const FOLLOW_UP_MIN_READ_MS = 500;
/** The enrichment schema's own ceiling for a time budget. */
const MAX_READ_MS = 60_000;

export interface FollowUpInput {
  alert: Alert;
  rule: Pick<Rule, 'group' | 'alarm' | 'enrichment'>;
  incidentId: string;
  page: Enrichment;
  root: ThreadRoot;
}

export interface FollowUpDeps {
  enrich: EnrichDeps;
  incidents: Pick<IncidentRecords, 'updateImpact'>;
  claims: ClaimDeps;
  slack: SlackApi;
  budget: Budget;
}

export type FollowUpOutcome = 'posted' | 'not-needed' | 'no-time' | 'nothing-new' | 'failed' | 'duplicate';

export async function postFollowUp(input: FollowUpInput, deps: FollowUpDeps): Promise<FollowUpOutcome> {
  const { page, rule } = input;
  if (page.status !== 'partial' || page.resumeToken === undefined) return 'not-needed';
  const readMs = Math.min(MAX_READ_MS, deps.budget.remainingMs() - FOLLOW_UP_POST_RESERVE_MS);
  if (readMs < FOLLOW_UP_MIN_READ_MS) return 'no-time';
  try {
    const more = await enrich(
      {
        alert: input.alert,
        rule: { ...rule, enrichment: { ...rule.enrichment, timeBudgetMs: readMs } },
        resume: { query: page.query, token: page.resumeToken },
      },
      deps.enrich,
    );
    if (more.status === 'failed' || more.totalTraces === 0) return 'nothing-new';
    await deps.incidents.updateImpact(input.incidentId, combinedImpact(page, more), usernamesOf(more));
    const shown = new Set(page.users.map((u) => u.username));
    const message = renderFollowUp(more, shown, input.alert.kind === 'test');
    const outcome = await sendOnce(
      deps.claims,
      {
        incidentId: input.incidentId,
        key: deliveryKeys.followUp(input.alert.eventId),
        bound: SLACK_SEND,
        budget: deps.budget,
      },
      async ({ budget }) => {
        const res = await deps.slack.post(
          { channel: input.root.channel, threadTs: input.root.ts, ...message },
          { budget },
        );
        return { ts: res.ts };
      },
    );
    return outcome === 'already-sent' ? 'duplicate' : 'posted';
  } catch (error) {
    deps.enrich.logger.warn('enrichment follow-up failed; the page stays marked partial', {
      incidentId: input.incidentId,
      error,
    });
    return 'failed';
  }
}

/**
 * The page's figures plus the pages read after it. Traces are disjoint between the two reads,
 * so counts add; distinct users may overlap, so the larger count is the honest lower bound.
 */
function combinedImpact(page: Enrichment, more: Enrichment) {
  const a = impactOf(page);
  const b = impactOf(more);
  return {
    affectedUsers: Math.max(a.affectedUsers, b.affectedUsers),
    anonymousRequests: a.anonymousRequests + b.anonymousRequests,
    unattributedTraces: a.unattributedTraces + b.unattributedTraces,
    totalTraces: a.totalTraces + b.totalTraces,
    faults: a.faults + b.faults,
    partial: more.status !== 'complete',
  };
}
