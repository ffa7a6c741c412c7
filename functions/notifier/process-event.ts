/**
 * One EventBridge event through the notifier, as named stages (Alertmanager's notify
 * pipeline is the model: each stage one job, the log written after the send):
 *
 * | stage    | job                                                                           |
 * |----------|-------------------------------------------------------------------------------|
 * | intake   | parse → match a rule (ignored events stop here)                               |
 * | decide   | which incident, what changed, by event time (incident-transition.ts)          |
 * | plan     | what to send for that change (plan-deliveries.ts, a pure table)               |
 * | build    | start reading the users (enrich-stage.ts, across invocations), lazily: only  |
 * |          | if something is still to be sent or recorded                                 |
 * | deliver  | Slack root after the first look (`firstLookMs`), a short reply, the page     |
 * |          | email after at most `emailWaitMs`, and the root of every changed incident    |
 * |          | brought to its current state; each a claimed delivery (delivery-claim.ts)    |
 * | record   | the one place that records: history, first page time, the pending            |
 * |          | `Incident Updated` events                                                    |
 * | complete | read on while the invocation allows, editing the root in place (bounded:     |
 * |          | deliver-slack.ts `refreshRoot`); record the impact; if reading is left, the  |
 * |          | result asks handle-event.ts to defer the event so another invocation goes on |
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
import type { Rule, RuleSet, Severity } from '../../rules/schema';
import type { Incident } from '../shared/incidents/model';
import type { Applied, IncidentStore } from '../shared/incidents/store';
import type { IncidentMeta, RuleKey, RuntimeSilence } from '../shared/incidents/types';
import type { Alert } from './alert';
import type { Budget } from './budget';
import { sendOnce, type ClaimDeps, type ClaimedSendResult } from './delivery-claim';
import { EMAIL_SEND, publishEmail } from './deliver-email';
import {
  currentRoot,
  deliverSlack,
  refreshRoot,
  SLACK_SEND,
  syncRoot,
  touchRoot,
  type SlackDeliveryDeps,
  type SlackDeliveryResult,
} from './deliver-slack';
import type { EnrichDeps } from './enrich';
import { CONTINUE_AFTER_MS, enrichEvent, enrichmentNow, type EventEnrichment } from './enrich-stage';
import type { Enrichment } from './enrichment';
import { PermanentError, RetryableError } from './errors';
import { impactOf, usernamesOf } from './impact';
import { decideSeverity } from './impact-severity';
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
import { decodeSnapshot, pageEmail, rootAlert, type RootSnapshot } from './root-view';
import { renderRelatedLine, renderUpdate, type UpdateChange } from '../../templates/slack-update';
import { relationOf } from './relate';
import type { SlackMessage } from '../../templates/slack-alert';
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
  /** How this invocation's reading of the users ended. */
  enrichment: 'not-run' | 'known' | 'complete' | 'partial' | 'continues';
  /** The incident whose thread this one is folded into (relate.ts), if any. */
  relatedTo?: string;
  /** The severity decided from the impact (`rule.impact`), when the rule has one. */
  severity?: Severity;
  /** Set when reading is left: defer the event by this much so another invocation goes on. */
  continueAfterMs?: number;
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
  const planned = planDeliveries({
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
  const plan = await relateStage(ctx, { incident, plan: planned, decided, message }, result);
  const delivered = await deliverStage(ctx, { incident, plan, decided, message }, result);
  await probe('recorded', { incidentId: incident.id });
  await recordStage(ctx, { incident, decided, delivered }, result);
  await completeStage(ctx, { incident, message, slackDeps: slackDepsOf(ctx) }, result);

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
    enrichment: 'not-run',
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
  /** The root page after the first look: rule, alert facts, and what the first X-Ray page said. */
  page(): Promise<{ snapshot: RootSnapshot; slack: SlackMessage }>;
  /** The page email's view: waits for the users at most `emailWaitMs` from the event's start. */
  emailPage(): Promise<{ snapshot: RootSnapshot }>;
  /** This event's thread reply (a delta), after at most `emailWaitMs` of reading. */
  reply(incident: Incident, named: ReadonlySet<string>, rootCause: string | undefined): Promise<SlackMessage>;
  /** The enrichment, if started. */
  started(): EventEnrichment | undefined;
  /** Whether this event's impact is still to be recorded (a duplicate's is not). */
  impactDue: boolean;
  /**
   * The severity decided from the impact (`rule.impact`), deciding it after at most
   * `emailWaitMs` of reading if nobody has; `decidedNow` when this call recorded it.
   * Undefined for a rule without `impact`.
   */
  severity(incident: Incident): Promise<{ severity: Severity; decidedNow: boolean } | undefined>;
}

async function buildStage(ctx: Context, incident: Incident, decided: Applied): Promise<Message> {
  const { alert, rule, deps, budget } = ctx;
  const needsImpact = decided.change !== 'stale' && decided.change !== 'no-incident';
  const marker = needsImpact
    ? await deps.store.deliveries.get(incident.id, deliveryKeys.impact(alert.eventId))
    : undefined;
  const startedAt = deps.now().getTime();
  let enrichment: Promise<EventEnrichment> | undefined;
  const start = () =>
    (enrichment ??= enrichEvent(
      { alert, rule, incidentId: incident.id, budget },
      { ...deps, deliveries: deps.store.deliveries, owner: ctx.claims.owner },
    ));
  let settled: EventEnrichment | undefined;
  const waitFor = async (untilMs: number): Promise<Enrichment> => {
    const e = (settled = await start());
    if (e.kind === 'reading') {
      const left = untilMs - deps.now().getTime();
      if (left > 0) await Promise.race([e.run.finished, deps.sleep(left)]);
    }
    return enrichmentNow(e);
  };
  const render = (e: Enrichment) =>
    renderPage(alert, rule, e, { now: deps.now(), samplingRate: deps.samplingRate }).slack;
  let page: Promise<{ snapshot: RootSnapshot; slack: SlackMessage }> | undefined;
  let severity: Promise<{ severity: Severity; decidedNow: boolean } | undefined> | undefined;
  return {
    impactDue: needsImpact && marker?.status !== 'sent',
    severity: (current) =>
      (severity ??= (async () => {
        if (!rule.impact) return undefined;
        const known = (await deps.store.incidents.get(current.id)) ?? current;
        if (known.decidedSeverity) return { severity: known.decidedSeverity, decidedNow: false };
        const decision = decideSeverity(rule, await waitFor(startedAt + rule.enrichment.emailWaitMs));
        const recorded = await deps.store.incidents.setDecidedSeverity(current.id, {
          severity: decision.severity,
          reason: decision.reason ?? decision.severity,
        });
        const latest = recorded ?? (await deps.store.incidents.get(current.id));
        const final = latest?.decidedSeverity ?? decision.severity;
        deps.logger.info('severity decided from the impact', {
          incidentId: current.id,
          severity: final,
          reason: latest?.severityReason ?? decision.reason,
        });
        return { severity: final, decidedNow: latest?.severityReason === decision.reason };
      })()),
    started: () => settled,
    page: () =>
      (page ??= (async () => {
        const e = await start();
        settled = e;
        if (e.kind === 'reading') {
          await Promise.race([e.run.firstPage, deps.sleep(rule.enrichment.firstLookMs)]);
        }
        const now = enrichmentNow(e);
        return { snapshot: { alert, enrichment: now }, slack: render(now) };
      })()),
    emailPage: async () => ({
      snapshot: { alert, enrichment: await waitFor(startedAt + rule.enrichment.emailWaitMs) },
    }),
    reply: async (current, named, rootCause) => {
      const e = await waitFor(startedAt + rule.enrichment.emailWaitMs);
      const latest = (await deps.store.incidents.get(current.id)) ?? current;
      return renderUpdate({
        alert: latest.state === 'resolved' && alert.state === 'resolved' ? rootAlert(alert, latest) : alert,
        change: updateChange(decided.change),
        incident: latest,
        enrichment: e,
        named,
        rootCause,
        test: alert.kind === 'test',
      });
    },
  };
}

function firingLike(alert: Alert): boolean {
  return alert.state === 'firing' || alert.state === 'updated';
}

function updateChange(change: IncidentChange): UpdateChange {
  switch (change) {
    case 'attached':
    case 'reopened':
    case 'resolved':
    case 'still-open':
    case 'noted':
    case 'opened':
    case 'opened-resolved':
      return change;
    default:
      return 'attached';
  }
}

// ---- relate -------------------------------------------------------------------------------

/**
 * One thread per problem (relate.ts): an incident inhibited by, or linked to, another rule's
 * open incident sends nothing of its own; its opening becomes one line in that thread (claimed
 * in the other incident's delivery log, once per folded incident).
 */
async function relateStage(
  ctx: Context,
  input: { incident: Incident; plan: DeliveryPlan; decided: Applied; message: Message },
  result: ProcessedEvent,
): Promise<DeliveryPlan> {
  const { deps, rule, alert } = ctx;
  const { incident, plan, decided, message } = input;
  if (!plan.slack && !plan.email) return plan;
  const relation = await relationOf(
    {
      incident,
      rule,
      firstLook: async () => (await message.page()).snapshot.enrichment,
    },
    { ruleSet: deps.ruleSet, store: deps.store, claims: ctx.claims, budget: ctx.budget, logger: deps.logger },
  );
  if (relation.kind === 'none') return plan;
  result.relatedTo = relation.incidentId;
  const opening =
    decided.change === 'opened' || decided.change === 'opened-resolved' || decided.change === 'reopened';
  if (opening) {
    const root = await currentRoot(relation.incidentId, { deliveries: deps.store.deliveries });
    if (root) {
      const line = renderRelatedLine({
        kind: relation.kind,
        rule: { id: rule.id, title: rule.title, severity: rule.severity },
        source: alert.kind,
        title: alert.title,
        test: alert.kind === 'test',
      });
      await sendOnce(
        ctx.claims,
        {
          incidentId: relation.incidentId,
          key: { eventKey: incident.id, channel: 'slack-related' },
          bound: SLACK_SEND,
          budget: ctx.budget,
        },
        async ({ budget }) => {
          const res = await deps.slack.post(
            { channel: root.channel, threadTs: root.ts, ...line },
            { budget },
          );
          return { ts: res.ts };
        },
      ).catch(failureIn(ctx)('slack', 'Slack line for a related incident'));
    }
  }
  return { ...plan, slack: undefined, email: false };
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
  const slackDeps = slackDepsOf(ctx);
  const fail = failureIn(ctx);

  // Severity from impact: decided once per incident, after at most emailWaitMs of reading; the
  // page email goes only if it still pages. The root shows the decision once it is made. A test
  // alert is a drill of the route the rule pages on: whatever real traffic its window holds
  // does not downgrade it (`fire --email` must reach the on-call email).
  const deciding =
    firingLike(alert) && alert.kind !== 'test'
      ? message.severity(incident).catch(fail('record', 'deciding the severity'))
      : undefined;
  const paging = async () => ((await deciding)?.severity ?? 'page') === 'page';

  // The email never waits for Slack: both run at once, and either may fail alone.
  const [slack, email] = await Promise.all([
    plan.slack
      ? deliverSlack(
          {
            plan: plan.slack,
            incident,
            rule,
            eventId: alert.eventId,
            page: message.page,
            reply: async () => {
              const shown = await shownInThread(incident.id, deps);
              return message.reply(incident, shown.named, shown.rootCause);
            },
          },
          slackDeps,
        ).catch(fail('slack', 'Slack delivery'))
      : undefined,
    plan.email
      ? (async () => {
          if (!(await paging())) return 'downgraded' as const;
          return sendOnce(
            ctx.claims,
            { incidentId: incident.id, key: deliveryKeys.pageEmail, bound: EMAIL_SEND, budget },
            async ({ budget: sendBudget }) => {
              const page = await message.emailPage();
              const latest = (await deps.store.incidents.get(incident.id)) ?? incident;
              const email = pageEmail(page.snapshot, latest, rule, {
                now: deps.now(),
                samplingRate: deps.samplingRate,
              });
              return publishEmail(deps.sns, deps.onCallTopicArn, email, sendBudget.remainingMs());
            },
          );
        })().catch(fail('email', 'email delivery'))
      : undefined,
  ]);
  result.slack = slack?.sent ?? [];
  if (plan.email) result.email = email === 'downgraded' ? 'not-planned' : (email ?? 'failed');
  const decision = await deciding;
  if (decision) result.severity = decision.severity;
  // The root was posted before the decision (or raced it): render it again from the incident.
  if (decision?.decidedNow && decided.firstProcessing && !ctx.silence) {
    await touchRoot(incident.id, slackDeps).catch(fail('slack', 'Slack root update'));
  }

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
  return { slack, email: email === 'downgraded' ? undefined : email };
}

function slackDepsOf(ctx: Context): SlackDeliveryDeps {
  const { deps } = ctx;
  return {
    deliveries: deps.store.deliveries,
    incidents: deps.store.incidents,
    slack: deps.slack,
    claims: ctx.claims,
    budget: ctx.budget,
    now: deps.now,
    logger: deps.logger,
    samplingRate: deps.samplingRate,
  };
}

// ---- record -------------------------------------------------------------------------------

async function recordStage(
  ctx: Context,
  input: { incident: Incident; decided: Applied; delivered: Delivered },
  result: ProcessedEvent,
): Promise<void> {
  const { deps, alert } = ctx;
  const { incident, decided, delivered } = input;
  const fail = failureIn(ctx);
  const incidents = deps.store.incidents;

  await deps.store.history
    .record(incident.id, historyEntry(alert, decided.change, ctx.silence))
    .catch(fail('record', 'recording history'));

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
}

// ---- complete -----------------------------------------------------------------------------

/**
 * Reads on with what the invocation has left, editing the root as users come in (bounded, see
 * `refreshRoot`), then records the impact. A duplicate whose reading is done (or read by a
 * twin) records nothing new; reading left over makes the event come back (`continueAfterMs`).
 */
async function completeStage(
  ctx: Context,
  input: { incident: Incident; message: Message; slackDeps: SlackDeliveryDeps },
  result: ProcessedEvent,
): Promise<void> {
  const { deps, alert, rule } = ctx;
  const { incident, message, slackDeps } = input;
  const fail = failureIn(ctx);
  let e = message.started();
  if (!e && message.impactDue) e = await startedNow(message);
  if (!e) return;
  if (e.kind === 'known') {
    result.enrichment = 'known';
    if (e.done && message.impactDue)
      await recordImpact(ctx, incident, e.enrichment, true).catch(fail('record', 'recording impact'));
    return;
  }
  const showing = !ctx.silence;
  let editing: Promise<unknown> = Promise.resolve();
  if (showing) {
    e.run.onProgress((now) => {
      editing = editing
        .then(() =>
          refreshRoot(
            { incidentId: incident.id, eventId: alert.eventId, rule, enrichment: now, final: false },
            slackDeps,
          ),
        )
        .catch((error: unknown) =>
          deps.logger.warn('progress edit of the root failed; the final one follows', { error }),
        );
    });
  }
  const finished = await e.finish().catch(fail('record', 'saving the enrichment'));
  await editing;
  if (!finished) return;
  if (showing) {
    await refreshRoot(
      { incidentId: incident.id, eventId: alert.eventId, rule, enrichment: finished.enrichment, final: true },
      slackDeps,
    ).catch(fail('slack', 'Slack root update'));
  }
  await recordImpact(ctx, incident, finished.enrichment, !finished.continues).catch(
    fail('record', 'recording impact'),
  );
  result.enrichment = finished.continues
    ? 'continues'
    : finished.enrichment.status === 'complete'
      ? 'complete'
      : 'partial';
  if (finished.continues) result.continueAfterMs = CONTINUE_AFTER_MS;
}

async function startedNow(message: Message): Promise<EventEnrichment | undefined> {
  await message.page();
  return message.started();
}

/** Impact: what the digest counts (peak figures; the users merge). Marked once reading is done. */
async function recordImpact(ctx: Context, incident: Incident, enrichment: Enrichment, done: boolean) {
  const { deps, alert } = ctx;
  await deps.store.incidents.updateImpact(incident.id, impactOf(enrichment), usernamesOf(enrichment));
  if (done) await deps.store.deliveries.complete(incident.id, deliveryKeys.impact(alert.eventId), {});
}

/** What the thread has named so far (the root's users) and its root cause, for the reply's delta. */
async function shownInThread(
  incidentId: string,
  deps: ProcessDeps,
): Promise<{ named: Set<string>; rootCause: string | undefined }> {
  const record = await deps.store.deliveries.get(incidentId, deliveryKeys.threadRoot);
  const snapshot = record?.detail?.['snapshot'];
  if (!snapshot) return { named: new Set(), rootCause: undefined };
  const decoded = decodeSnapshot(snapshot);
  // What the root shows as the root cause: the Insight's, else the traces' most frequent one.
  const traced = decoded.enrichment.rootCauses[0];
  const cause = decoded.alert.rootCauseService ?? (traced && { name: traced.service, type: traced.type });
  return {
    named: new Set(decoded.enrichment.users.map((u) => u.username)),
    rootCause: cause ? (cause.type ? `${cause.name} (${cause.type})` : cause.name) : undefined,
  };
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
