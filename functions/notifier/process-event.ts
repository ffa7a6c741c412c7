/**
 * One EventBridge event through the notifier, as named stages (Alertmanager's notify
 * pipeline is the model: each stage one job, the log written after the send):
 *
 * | stage    | job                                                                           |
 * |----------|-------------------------------------------------------------------------------|
 * | intake   | parse → match a rule (ignored events stop here)                               |
 * | decide   | which incident, what changed, by event time (incident-transition.ts)          |
 * | plan     | what to send for that change (plan-deliveries.ts, a pure table)               |
 * | build    | the message: enrich + render, once, only if something is still to be sent     |
 * | deliver  | Slack root/reply, page email, and the root of every changed incident brought  |
 * |          | to its current state; each a claimed delivery (delivery-claim.ts)            |
 * | record   | the one place that records: history, impact, first page time, then the       |
 * |          | pending `Incident Updated` events, then the follow-up of a partial user list  |
 *
 * Everything is idempotent per event id: a duplicate replays the decision, finds its
 * deliveries done and stops before the X-Ray query; a retry after a partial failure redoes
 * only what failed.
 *
 * Outcome: returns when every channel is done (or had nothing to do). Otherwise, after all
 * channels have had their turn, throws RetryableError if any failure is retryable (it carries
 * `retryAfterMs` when the dependency said how long to wait: handle-event.ts then defers the
 * event instead of using up Lambda's retries), else PermanentError (dead-lettered).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Rule, RuleSet } from '../../rules/schema';
import type { Incident } from '../shared/incidents/model';
import type { Applied, IncidentStore } from '../shared/incidents/store';
import type { IncidentMeta, RuleKey, RuntimeSilence } from '../shared/incidents/types';
import type { Alert } from './alert';
import type { Budget } from './budget';
import { sendOnce, type ClaimDeps, type ClaimedSendResult } from './delivery-claim';
import { EMAIL_SEND, publishEmail } from './deliver-email';
import { deliverSlack, syncRoot, type SlackDeliveryDeps, type SlackDeliveryResult } from './deliver-slack';
import { enrich, type EnrichDeps } from './enrich';
import type { Enrichment } from './enrichment';
import { PermanentError, RetryableError } from './errors';
import { postFollowUp, type FollowUpOutcome } from './follow-up';
import { impactOf, usernamesOf } from './impact';
import { decideIncident } from './incident-transition';
import { matchRule } from './match';
import { parseEvent } from './parse';
import {
  activeSilence,
  deliveryKeys,
  planDeliveries,
  type DeliveryPlan,
  type IncidentChange,
  type Silence,
} from './plan-deliveries';
import { noProbe, type Probe } from './ports';
import { publishPending, type IncidentEventPublisher } from './publish-incident-event';
import { renderPage } from './render';
import { pageEmail, type RootSnapshot } from './root-view';
import type { SlackApi } from './slack-api';
import { testAlertGate, type TestAlertLimiter } from './test-alert-limit';

export interface ProcessDeps extends EnrichDeps {
  ruleSet: RuleSet;
  /** Accounts whose events are ours (`eventSourceAccounts` in rules/names.ts). */
  eventAccounts: readonly string[];
  /** Caps test alerts per rule and hour (test-alert-limit.ts). */
  testAlertLimiter: TestAlertLimiter;
  store: IncidentStore;
  slack: SlackApi;
  sns: Pick<SNSClient, 'send'>;
  onCallTopicArn: string;
  /** Undefined: no `Incident Updated` events. */
  incidentEvents: Omit<IncidentEventPublisher, 'logger' | 'namePrefix'> | undefined;
  reopenWindowMs: number;
  samplingRate?: number | undefined;
  /** Crash points for tests and the chaos runner (ports.ts); none in production. */
  probe?: Probe;
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
  /** Roots rewritten to their incident's current state. */
  rootsUpdated: number;
  published: boolean;
  followUp: FollowUpOutcome | 'not-run';
}

export type ProcessResult = ProcessedEvent | { kind: 'ignored'; reason: string };

/** Where a failure happened: a channel, or recording. */
type Channel = 'slack' | 'email' | 'record' | 'events';
type Failure = { channel: Channel; error: Error };

interface Context {
  alert: Alert;
  rule: Rule;
  key: RuleKey;
  meta: IncidentMeta;
  silence: Silence | undefined;
  budget: Budget;
  claims: ClaimDeps;
  deps: ProcessDeps;
  failures: Failure[];
}

export async function processEvent(
  event: unknown,
  budget: Budget,
  deps: ProcessDeps,
  invocation: { owner: string } = { owner: 'local' },
): Promise<ProcessResult> {
  const intake = await intakeStage(event, deps);
  if (intake.kind === 'ignored') return intake;
  const { alert, rule } = intake;
  const runtimeSilences = await silencesOf(rule, deps);
  const ctx = contextFor(alert, rule, budget, deps, invocation.owner, runtimeSilences);
  const { silence } = ctx;
  const probe = ctx.claims.probe;

  const decided = await decideIncident(alert, rule, silence !== undefined, {
    store: deps.store,
    reopenWindowMs: deps.reopenWindowMs,
    publishesEvents: deps.incidentEvents !== undefined,
    probe,
  });
  const incident = decided.incidentId ? decided.incidents.get(decided.incidentId) : undefined;
  const plan = planDeliveries({
    state: alert.state,
    change: decided.change,
    rule,
    routing: deps.ruleSet.routing,
    at: alert.eventTime,
    runtimeSilences,
  });
  const result = initialResult(rule, decided, silence);
  if (!incident) {
    deps.logger.info('event changes no incident', {
      ruleId: rule.id,
      change: decided.change,
      eventId: alert.eventId,
    });
    await publishStage(ctx, result, decided);
    throwWorst(ctx.failures, result);
    return result;
  }
  if (silence)
    deps.logger.info('rule silenced: recorded, not sent', { ruleId: rule.id, until: silence.until });

  const message = await buildStage(ctx, incident, decided);
  const delivered = await deliverStage(ctx, { incident, plan, decided, message }, result);
  await probe('recorded', { incidentId: incident.id });
  await recordStage(ctx, { incident, decided, message, delivered }, result);

  deps.logger.info('event processed', {
    ...result,
    failures: ctx.failures.map((f) => `${f.channel}: ${f.error.message}`),
  });
  throwWorst(ctx.failures, result);
  return result;
}

/**
 * The rule's silences set from pages. Unreadable (a store failure) means none: a page sent
 * during a silence is a smaller harm than a page never sent.
 */
async function silencesOf(rule: Rule, deps: ProcessDeps): Promise<RuntimeSilence[]> {
  try {
    return await deps.store.silences.list(rule.id);
  } catch (error) {
    deps.logger.warn('could not read the rule’s runtime silences; paging as if none were set', {
      ruleId: rule.id,
      error: error instanceof Error ? error.name : String(error),
    });
    return [];
  }
}

function contextFor(
  alert: Alert,
  rule: Rule,
  budget: Budget,
  deps: ProcessDeps,
  owner: string,
  runtimeSilences: readonly RuntimeSilence[],
): Context {
  const silence = activeSilence(rule, alert.eventTime, runtimeSilences);
  const test = alert.kind === 'test';
  return {
    alert,
    rule,
    key: { ruleId: rule.id, test },
    meta: {
      ruleId: rule.id,
      severity: rule.severity,
      title: rule.title,
      test,
      silenced: silence !== undefined,
    },
    silence,
    budget,
    claims: {
      deliveries: deps.store.deliveries,
      owner,
      now: deps.now,
      sleep: deps.sleep,
      probe: deps.probe ?? noProbe,
    },
    deps,
    failures: [],
  };
}

function initialResult(rule: Rule, decided: Applied, silence: Silence | undefined): ProcessedEvent {
  return {
    kind: 'processed',
    ruleId: rule.id,
    incidentId: decided.incidentId,
    change: decided.change,
    duplicate: !decided.firstProcessing,
    silenced: silence !== undefined,
    slack: [],
    email: 'not-planned',
    rootsUpdated: 0,
    published: false,
    followUp: 'not-run',
  };
}

// ---- intake -------------------------------------------------------------------------------

/** Parse → match → the test-alert quota: what is not ours, or over its quota, stops here. */
async function intakeStage(
  event: unknown,
  deps: ProcessDeps,
): Promise<{ kind: 'matched'; alert: Alert; rule: Rule } | { kind: 'ignored'; reason: string }> {
  const { ruleSet, logger } = deps;
  const parsed = parseEvent(event, { namePrefix: ruleSet.namePrefix, accounts: deps.eventAccounts, logger });
  if (parsed.kind === 'ignored') return parsed;
  const matched = matchRule(parsed.alert, ruleSet, logger);
  if (matched.kind === 'ignored') return matched;
  const overQuota = await testAlertGate(parsed.alert, {
    ...deps,
    maxPerRulePerHour: ruleSet.testAlerts.maxPerRulePerHour,
  });
  if (overQuota) return overQuota;
  return { kind: 'matched', alert: parsed.alert, rule: matched.rule };
}

// ---- build --------------------------------------------------------------------------------

interface Message {
  /** Enrich (X-Ray) and render this event's page, once. */
  page(): Promise<{ snapshot: RootSnapshot; slack: ReturnType<typeof renderPage>['slack'] }>;
  /** The enrichment, if `page()` ran. */
  enrichment(): Enrichment | undefined;
  /** Whether this event's impact is still to be recorded (a duplicate's is not). */
  impactDue: boolean;
}

async function buildStage(ctx: Context, incident: Incident, decided: Applied): Promise<Message> {
  const { alert, rule, deps } = ctx;
  const needsImpact = decided.change !== 'stale' && decided.change !== 'no-incident';
  const marker = needsImpact
    ? await deps.store.deliveries.get(incident.id, deliveryKeys.impact(alert.eventId))
    : undefined;
  let enrichment: Enrichment | undefined;
  let built: Promise<{ snapshot: RootSnapshot; slack: ReturnType<typeof renderPage>['slack'] }> | undefined;
  return {
    impactDue: needsImpact && marker?.status !== 'sent',
    enrichment: () => enrichment,
    page: () =>
      (built ??= (async () => {
        enrichment = await enrich({ alert, rule }, deps);
        const slack = renderPage(alert, rule, enrichment, {
          now: deps.now(),
          samplingRate: deps.samplingRate,
        }).slack;
        return { snapshot: { alert, enrichment }, slack };
      })()),
  };
}

// ---- deliver ------------------------------------------------------------------------------

interface Delivered {
  slack: SlackDeliveryResult | undefined;
  email: ClaimedSendResult | undefined;
}

async function deliverStage(
  ctx: Context,
  input: { incident: Incident; plan: DeliveryPlan; decided: Applied; message: Message },
  result: ProcessedEvent,
): Promise<Delivered> {
  const { deps, alert, rule, budget } = ctx;
  const { incident, plan, decided, message } = input;
  const slackDeps: SlackDeliveryDeps = {
    deliveries: deps.store.deliveries,
    incidents: deps.store.incidents,
    slack: deps.slack,
    claims: ctx.claims,
    budget,
    now: deps.now,
    logger: deps.logger,
    samplingRate: deps.samplingRate,
  };
  const fail = failureIn(ctx);

  // The email never waits for Slack: both run at once, and either may fail alone.
  const [slack, email] = await Promise.all([
    plan.slack
      ? deliverSlack(
          { plan: plan.slack, incident, rule, eventId: alert.eventId, page: message.page },
          slackDeps,
        ).catch(fail('slack', 'Slack delivery'))
      : undefined,
    plan.email
      ? sendOnce(
          ctx.claims,
          { incidentId: incident.id, key: deliveryKeys.pageEmail, bound: EMAIL_SEND, budget },
          async ({ budget: sendBudget }) => {
            const page = await message.page();
            const latest = (await deps.store.incidents.get(incident.id)) ?? incident;
            const email = pageEmail(page.snapshot, latest, rule, {
              now: deps.now(),
              samplingRate: deps.samplingRate,
            });
            return publishEmail(deps.sns, deps.onCallTopicArn, email, sendBudget.remainingMs());
          },
        ).catch(fail('email', 'email delivery'))
      : undefined,
  ]);
  result.slack = slack?.sent ?? [];
  if (plan.email) result.email = email ?? 'failed';

  // Every incident this event changed (and its own) shows its current state in its root.
  // A first processing that changed nothing has nothing to show; a replay re-checks (it may
  // follow an invocation killed half-way through a rewrite).
  const quiet = decided.firstProcessing && decided.changes.length === 0 && !result.slack.includes('root');
  if (!ctx.silence && !quiet) {
    const ids = new Set([incident.id, ...decided.changes.map((c) => c.incidentId)]);
    for (const id of ids) {
      const outcome = await syncRoot(id, rule, slackDeps).catch(fail('slack', 'Slack root update'));
      if (outcome === 'updated') result.rootsUpdated += 1;
    }
  }
  return { slack, email };
}

// ---- record -------------------------------------------------------------------------------

async function recordStage(
  ctx: Context,
  input: { incident: Incident; decided: Applied; message: Message; delivered: Delivered },
  result: ProcessedEvent,
): Promise<void> {
  const { deps, alert, rule, budget } = ctx;
  const { incident, decided, message, delivered } = input;
  const fail = failureIn(ctx);
  const incidents = deps.store.incidents;

  await deps.store.history
    .record(incident.id, historyEntry(alert, decided.change, ctx.silence))
    .catch(fail('record', 'recording history'));

  // Impact: what the digest counts. A duplicate recorded it already and skips X-Ray.
  if (message.impactDue) {
    await (async () => {
      const { snapshot } = await message.page();
      await incidents.updateImpact(
        incident.id,
        impactOf(snapshot.enrichment),
        usernamesOf(snapshot.enrichment),
      );
      await deps.store.deliveries.complete(incident.id, deliveryKeys.impact(alert.eventId), {});
    })().catch(fail('record', 'recording impact'));
  }

  // The root exists only once Slack accepted a page; the email record only once SNS did.
  const paged =
    delivered.slack?.root !== undefined ||
    delivered.email === 'sent' ||
    delivered.email === 'raced' ||
    delivered.email === 'already-sent';
  if (paged && !incident.pagedAt) {
    await incidents.markPaged(incident.id, deps.now()).catch(fail('record', 'marking paged'));
  }

  await publishStage(ctx, result, decided);

  const enrichment = message.enrichment();
  if (enrichment && delivered.slack?.root) {
    result.followUp = await postFollowUp(
      { alert, rule, incidentId: incident.id, page: enrichment, root: delivered.slack.root },
      { enrich: deps, incidents, claims: ctx.claims, slack: deps.slack, budget },
    );
  }
}

/** Publishes every `Incident Updated` the rule's outbox still owes (this event's and any left). */
async function publishStage(ctx: Context, result: ProcessedEvent, decided: Applied): Promise<void> {
  const { deps } = ctx;
  if (!deps.incidentEvents) return;
  // Nothing owed by a first processing that changed nothing; what an earlier, interrupted
  // invocation left is published by its retry (a replay) or the rule's next change.
  if (decided.firstProcessing && decided.changes.length === 0) return;
  try {
    const report = await publishPending(
      ctx.key,
      ctx.meta,
      {
        outbox: deps.store.outbox,
        claims: ctx.claims,
        budget: ctx.budget,
        incidents: deps.store.incidents,
        mirrorPending: (key, meta) => deps.store.mirrorPending(key, meta),
        rule: (id) => deps.ruleSet.rules.find((r) => r.id === id),
      },
      { ...deps.incidentEvents, namePrefix: deps.ruleSet.namePrefix, logger: deps.logger },
      deps.now(),
    );
    result.published = report.published > 0;
    if (report.retryable) {
      ctx.failures.push({
        channel: 'events',
        error: new RetryableError(`Incident Updated: ${report.pending} event(s) still pending`),
      });
    }
  } catch (error) {
    ctx.failures.push({ channel: 'events', error: asNotifierError('publishing Incident Updated', error) });
  }
}

/** `.catch(fail('slack', 'Slack delivery'))`: records the failure, and the stage goes on. */
function failureIn(ctx: Context) {
  return (channel: Channel, what: string) =>
    (error: unknown): undefined => {
      ctx.failures.push({ channel, error: asNotifierError(what, error) });
      return undefined;
    };
}

function throwWorst(failures: readonly Failure[], result: ProcessedEvent): void {
  if (failures.length === 0) return;
  const done = [
    ...result.slack.map((s) => `slack ${s} sent`),
    ...(result.email === 'sent' || result.email === 'already-sent' || result.email === 'raced'
      ? ['email sent']
      : []),
  ];
  const reason =
    failures.map((f) => `${f.channel}: ${f.error.message}`).join('; ') +
    (done.length > 0 ? ` (done: ${done.join(', ')})` : '');
  const retryable = failures.filter((f) => f.error instanceof RetryableError);
  if (retryable.length > 0) {
    // Wait as long as the slowest dependency asked (for deferral); undefined if none asked.
    const waits = retryable.flatMap((f) => (f.error as RetryableError).retryAfterMs ?? []);
    throw new RetryableError(reason, {
      cause: retryable[0]!.error,
      ...(waits.length > 0 && waits.length === retryable.length ? { retryAfterMs: Math.max(...waits) } : {}),
    });
  }
  throw new PermanentError(reason, { cause: failures[0]?.error });
}

/** Our two error kinds pass through; anything else (a store or SDK error) is retryable. */
function asNotifierError(what: string, error: unknown): Error {
  if (error instanceof PermanentError || error instanceof RetryableError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  return new RetryableError(`${what}: ${name}`, { cause: error });
}

function historyEntry(alert: Alert, change: IncidentChange, silence: Silence | undefined) {
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
