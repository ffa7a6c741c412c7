/**
 * One EventBridge event through the whole notifier: parse → match → apply to the incident →
 * plan → (enrich → render, only if something is still to be sent) → deliver per channel →
 * record → publish `Incident Updated` → finish a partial user list in the thread.
 *
 * Every piece of work with an effect outside the incident record is a claimed delivery
 * (delivery-claim.ts): the thread root, each Slack reply or root rewrite, the page email,
 * and recording this event's impact. A duplicate finds them all done and stops before the
 * X-Ray query; a retry after a partial failure redoes only what failed.
 *
 * Outcome: returns when every channel is done (or had nothing to do). Otherwise, after all
 * channels have had their turn, throws RetryableError if any failure is retryable (Lambda
 * retries; done channels are skipped), else PermanentError (the handler dead-letters it).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { RuleSet } from '../../rules/schema';
import type { SlackMessage } from '../../templates/slack-alert';
import type { EventBindings } from '../shared/incidents/event-bindings';
import type { Incident } from '../shared/incidents/model';
import type { HistoryEntry, IncidentStore } from '../shared/incidents/store';
import type { Alert } from './alert';
import type { Budget } from './budget';
import { sendOnce, type ClaimedSendResult } from './delivery-claim';
import { publishEmail } from './deliver-email';
import { deliverSlack, type SlackDeliveryResult } from './deliver-slack';
import { enrich, type EnrichDeps } from './enrich';
import type { Enrichment } from './enrichment';
import { PermanentError, RetryableError } from './errors';
import { postFollowUp, type FollowUpOutcome } from './follow-up';
import { impactOf, usernamesOf } from './impact';
import { incidentUpdatedDetail, isPublishedChange } from './incident-event';
import { applyTransition, storeCall } from './incident-transition';
import { matchRule } from './match';
import { parseEvent } from './parse';
import {
  activeSilence,
  deliveryKeys,
  planDeliveries,
  type IncidentChange,
  type Silence,
} from './plan-deliveries';
import { publishIncidentEvent, type IncidentEventPublisher } from './publish-incident-event';
import { renderPage, type RenderedPage } from './render';
import type { SlackApi } from './slack-api';
import { testAlertGate, type TestAlertLimiter } from './test-alert-limit';

export interface ProcessDeps extends EnrichDeps {
  ruleSet: RuleSet;
  /** Accounts whose events are ours (`eventSourceAccounts` in rules/names.ts). */
  eventAccounts: readonly string[];
  /** Caps test alerts per rule and hour (test-alert-limit.ts). */
  testAlertLimiter: TestAlertLimiter;
  store: IncidentStore;
  bindings: EventBindings;
  slack: SlackApi;
  sns: Pick<SNSClient, 'send'>;
  onCallTopicArn: string;
  /** Undefined: no `Incident Updated` events. */
  incidentEvents: Omit<IncidentEventPublisher, 'logger' | 'namePrefix'> | undefined;
  reopenWindowMs: number;
  samplingRate?: number | undefined;
}

export interface ProcessedEvent {
  kind: 'processed';
  ruleId: string;
  incidentId: string | undefined;
  change: IncidentChange;
  duplicate: boolean;
  silenced: boolean;
  slack: SlackDeliveryResult['sent'];
  email: ClaimedSendResult | 'not-planned' | 'failed';
  published: boolean;
  followUp: FollowUpOutcome | 'not-run';
}

export type ProcessResult = ProcessedEvent | { kind: 'ignored'; reason: string };

/** Where a failure happened: a channel, or recording the incident (impact, paged time). */
type Channel = 'slack' | 'email' | 'record';

export async function processEvent(
  event: unknown,
  budget: Budget,
  deps: ProcessDeps,
): Promise<ProcessResult> {
  const { ruleSet, logger } = deps;
  const parsed = parseEvent(event, { namePrefix: ruleSet.namePrefix, accounts: deps.eventAccounts, logger });
  if (parsed.kind === 'ignored') return parsed;
  const { alert } = parsed;
  const matched = matchRule(alert, ruleSet, logger);
  if (matched.kind === 'ignored') return matched;
  const { rule } = matched;
  const overQuota = await testAlertGate(alert, {
    ...deps,
    maxPerRulePerHour: ruleSet.testAlerts.maxPerRulePerHour,
  });
  if (overQuota) return overQuota;

  const silence = activeSilence(rule, alert.eventTime);
  const transition = await applyTransition(alert, rule, silence !== undefined, deps);
  const { change } = transition;
  const plan = planDeliveries({
    state: alert.state,
    change,
    rule,
    routing: ruleSet.routing,
    at: alert.eventTime,
  });
  const result: ProcessedEvent = {
    kind: 'processed',
    ruleId: rule.id,
    incidentId: transition.incident?.id,
    change,
    duplicate: !transition.firstProcessing,
    silenced: silence !== undefined,
    slack: [],
    email: 'not-planned',
    published: false,
    followUp: 'not-run',
  };
  if (!transition.incident) {
    logger.info('event changes no incident', { ruleId: rule.id, change, eventId: alert.eventId });
    return result;
  }
  let incident: Incident = transition.incident;
  const incidentId = incident.id;

  await storeCall('recording history', () =>
    deps.store.recordHistory(incidentId, historyEntry(alert, change, silence)),
  );
  if (silence) logger.info('rule silenced: recorded, not sent', { ruleId: rule.id, until: silence.until });

  // Enrich and render once, and only when some claimed delivery needs the page.
  let enrichment: Enrichment | undefined;
  const page = once(async (): Promise<RenderedPage> => {
    enrichment = await enrich({ alert, rule }, deps);
    return renderPage(alert, rule, enrichment, { now: deps.now(), samplingRate: deps.samplingRate });
  });
  const rootPage = once(async (): Promise<SlackMessage> => {
    const current = await page();
    if (plan.slack?.updateRoot !== 'resolved' || enrichment === undefined) return current.slack;
    const options = { now: deps.now(), samplingRate: deps.samplingRate };
    return renderPage(incidentSpan(alert, incident), rule, enrichment, options).slack;
  });

  const failures: Array<{ channel: Channel; error: Error }> = [];
  const fail = (channel: Channel, what: string) => (error: unknown) => {
    failures.push({ channel, error: asNotifierError(what, error) });
    return undefined;
  };

  // Impact first: it is what the digest counts, and it runs the enrichment the sends reuse.
  await sendOnce(deps.store, incidentId, deliveryKeys.impact(alert.eventId), budget, async () => {
    await page();
    if (enrichment) {
      incident =
        (await deps.store.updateImpact(incidentId, impactOf(enrichment), usernamesOf(enrichment))) ??
        incident;
    }
    return {};
  }).catch(fail('record', 'recording impact'));

  const [slack, email] = await Promise.all([
    plan.slack
      ? deliverSlack(
          {
            plan: plan.slack,
            incident,
            eventId: alert.eventId,
            page: async () => (await page()).slack,
            rootPage,
          },
          { ...deps, budget },
        ).catch(fail('slack', 'Slack delivery'))
      : undefined,
    plan.email
      ? sendOnce(deps.store, incidentId, deliveryKeys.pageEmail, budget, async () => {
          const { messageId } = await publishEmail(deps.sns, deps.onCallTopicArn, (await page()).email);
          return { messageId };
        }).catch(fail('email', 'email delivery'))
      : undefined,
  ]);
  result.slack = slack?.sent ?? [];
  if (plan.email) result.email = email ?? 'failed';

  // The root exists only once Slack accepted a page; the email record only once SNS did.
  const delivered = slack?.root !== undefined || email === 'sent' || email === 'already-sent';
  if (delivered && !incident.pagedAt) {
    incident =
      (await storeCall('marking paged', () => deps.store.markPaged(incidentId, deps.now())).catch(
        fail('record', 'marking paged'),
      )) ?? incident;
  }

  if (deps.incidentEvents && transition.firstProcessing && isPublishedChange(change)) {
    const latest = (await deps.store.get(incidentId).catch(() => undefined)) ?? incident;
    result.published = await publishIncidentEvent(
      incidentUpdatedDetail({ incident: latest, change, alert, rule }),
      { ...deps.incidentEvents, namePrefix: ruleSet.namePrefix, logger },
      deps.now(),
    );
  }

  if (enrichment && slack?.root) {
    result.followUp = await postFollowUp(
      { alert, rule, incidentId, page: enrichment, root: slack.root },
      { enrich: deps, store: deps.store, slack: deps.slack, budget },
    );
  }

  logger.info('event processed', {
    ...result,
    failures: failures.map((f) => `${f.channel}: ${f.error.message}`),
  });
  throwWorst(failures, result);
  return result;
}

function throwWorst(
  failures: ReadonlyArray<{ channel: Channel; error: Error }>,
  result: ProcessedEvent,
): void {
  if (failures.length === 0) return;
  const done = [
    ...result.slack.map((s) => `slack ${s} sent`),
    ...(result.email === 'sent' || result.email === 'already-sent' ? ['email sent'] : []),
  ];
  const reason =
    failures.map((f) => `${f.channel}: ${f.error.message}`).join('; ') +
    (done.length > 0 ? ` (done: ${done.join(', ')})` : '');
  const retryable = failures.find((f) => f.error instanceof RetryableError);
  if (retryable) throw new RetryableError(reason, { cause: retryable.error });
  throw new PermanentError(reason, { cause: failures[0]?.error });
}

/** Our two error kinds pass through; anything else (a store or SDK error) is retryable. */
function asNotifierError(what: string, error: unknown): Error {
  if (error instanceof PermanentError || error instanceof RetryableError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  return new RetryableError(`${what}: ${name}`, { cause: error });
}

/** The resolved root covers the whole incident (alarm and Insight), not one source's window. */
function incidentSpan(alert: Alert, incident: Incident): Alert {
  if (incident.resolvedAt === undefined) return alert;
  return { ...alert, window: { start: new Date(incident.firstFiredAt), end: new Date(incident.resolvedAt) } };
}

function historyEntry(
  alert: Alert,
  change: IncidentChange,
  silence: Silence | undefined,
): HistoryEntry & { silenced: boolean } {
  const silenced = silence ? ` (silenced until ${silence.until}: ${silence.reason})` : '';
  return {
    at: alert.changedAt.toISOString(),
    eventId: alert.eventId,
    source: alert.kind,
    state: alert.state,
    summary: `${change}: ${alert.title}${silenced}`,
    // Extra attribute on the history item, for the digest's "silenced" section.
    silenced: silence !== undefined,
  };
}

function once<T>(run: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= run());
}
