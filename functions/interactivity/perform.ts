/**
 * The slow half: performs a click receive.ts accepted, after Slack has its answer. Run by an
 * asynchronous self-invoke, so Lambda retries it (twice) on failure: every step is safe to
 * repeat. Record first, then what Slack shows: the root is rewritten from the record
 * (deliver-slack.ts `syncRoot`), and each thread reply is sent once per click (`sendOnce`,
 * keyed by the click), so a retried or duplicated job posts nothing twice.
 *
 * | action        | record (functions/shared/incidents)                       | Slack                              |
 * |---------------|-----------------------------------------------------------|------------------------------------|
 * | Acknowledge   | `acknowledge` (first wins); escalation schedule cancelled | root rewritten; thread reply       |
 * | Silence 1/4 h | runtime silence for the rule, from now (silences.ts)     | thread reply (until when)          |
 * | Resolve       | acknowledgement implied, then a manual resolve on the    | root rewritten; thread reply that  |
 * |               | ledger (decide.ts rule 8); escalation cancelled          | says what was still firing         |
 * | All users     | nothing                                                   | ephemeral list via `response_url`  |
 * | (notice)      | nothing                                                   | ephemeral notice via `response_url`|
 *
 * A second Acknowledge (someone was faster) or a click that finds the incident resolved by
 * now is told so ephemerally and changes nothing.
 */
import type { Rule } from '../../rules/schema';
import {
  acknowledgedNote,
  affectedUsersMessage,
  resolvedNote,
  silencedNote,
  type NoteMessage,
} from '../../templates/slack-action-notes';
import type { Incident } from '../shared/incidents/model';
import type { IncidentStore } from '../shared/incidents/store';
import type { Budget } from '../notifier/budget';
import { sendOnce, type ClaimDeps } from '../notifier/delivery-claim';
import { currentRoot, SLACK_SEND, syncRoot } from '../notifier/deliver-slack';
import type { Clock, NotifierLogger } from '../notifier/ports';
import type { SlackApi } from '../notifier/slack-api';
import type { Job } from './receive';

export interface PerformDeps {
  store: IncidentStore;
  slack: SlackApi;
  rule: (ruleId: string) => Rule | undefined;
  /** Posts to a click's `response_url` (ephemeral to the clicker). */
  respond: (responseUrl: string, message: NoteMessage) => Promise<void>;
  /** Cancels a waiting escalation schedule (escalation.ts); absent: none are scheduled. */
  cancelEscalation?: (incident: Incident) => Promise<void>;
  claims: Omit<ClaimDeps, 'deliveries'>;
  budget: Budget;
  now: Clock;
  logger: NotifierLogger;
  samplingRate?: number | undefined;
}

export type PerformOutcome =
  | 'acknowledged'
  | 'already-acknowledged'
  | 'silenced'
  | 'already-silenced'
  | 'resolved'
  | 'listed'
  | 'noticed'
  | 'incident-resolved'
  | 'unknown-incident';

export async function perform(job: Job, deps: PerformDeps): Promise<PerformOutcome> {
  if (job.kind === 'notice') {
    await deps.respond(job.responseUrl, {
      text: job.text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: job.text } }],
    });
    return 'noticed';
  }
  const { interaction } = job;
  const rule = deps.rule(job.ruleId);
  const incident = await deps.store.incidents.get(interaction.incidentId);
  if (!incident || !rule)
    return tell(deps, interaction.responseUrl, 'unknown-incident', 'This incident no longer exists.');
  switch (interaction.kind) {
    case 'acknowledge':
      return acknowledge(job, incident, rule, deps);
    case 'silence':
      return silence(job, incident, rule, deps);
    case 'resolve':
      return resolve(job, incident, rule, deps);
    case 'users':
      await deps.respond(
        interaction.responseUrl,
        affectedUsersMessage(incident.id, incident.users, interaction.page ?? 0, incident.usersTruncated),
      );
      return 'listed';
    case 'traces':
      return 'noticed';
  }
}

type Act = Extract<Job, { kind: 'act' }>;

async function acknowledge(
  job: Act,
  incident: Incident,
  rule: Rule,
  deps: PerformDeps,
): Promise<PerformOutcome> {
  const { user, responseUrl } = job.interaction;
  const result = await deps.store.incidents.acknowledge(incident.id, {
    by: user.id,
    ...(user.name ? { byName: user.name.slice(0, 80) } : {}),
    at: deps.now().toISOString(),
    via: 'acknowledge',
  });
  if (result.outcome === 'not-found')
    return tell(deps, responseUrl, 'unknown-incident', 'This incident no longer exists.');
  if (result.outcome === 'resolved') {
    return tell(
      deps,
      responseUrl,
      'incident-resolved',
      'This incident was resolved meanwhile; nothing was changed.',
    );
  }
  const ack = result.incident.acknowledgement;
  if (ack && ack.by !== user.id) {
    return tell(deps, responseUrl, 'already-acknowledged', `Already acknowledged by <@${ack.by}>.`);
  }
  await deps.cancelEscalation?.(result.incident);
  await showOnRoot(result.incident, rule, deps);
  await replyOnce(result.incident, job, acknowledgedNote(user.id, rule.escalation !== undefined), deps);
  return result.outcome === 'already' ? 'already-acknowledged' : 'acknowledged';
}

async function silence(job: Act, incident: Incident, rule: Rule, deps: PerformDeps): Promise<PerformOutcome> {
  const { user, minutes = 60 } = job.interaction;
  const from = deps.now();
  const until = new Date(from.getTime() + minutes * 60_000);
  const added = await deps.store.silences.add(
    rule.id,
    {
      id: clickId(job),
      from: from.toISOString(),
      until: until.toISOString(),
      createdBy: user.id,
      reason: `Silenced for ${minutes / 60} h from the page by ${user.name ?? user.id}`,
      incidentId: incident.id,
    },
    from,
  );
  await replyOnce(incident, job, silencedNote(user.id, minutes, until), deps);
  return added === 'added' ? 'silenced' : 'already-silenced';
}

async function resolve(job: Act, incident: Incident, rule: Rule, deps: PerformDeps): Promise<PerformOutcome> {
  const { user } = job.interaction;
  const at = deps.now();
  // A responder who resolves has picked the page up: written just before the resolve.
  await deps.store.incidents.acknowledge(
    incident.id,
    {
      by: user.id,
      ...(user.name ? { byName: user.name.slice(0, 80) } : {}),
      at: at.toISOString(),
      via: 'resolve',
    },
    { whileResolved: true },
  );
  const applied = await deps.store.applyManualResolve({
    key: { ruleId: incident.ruleId, test: incident.test },
    meta: {
      ruleId: incident.ruleId,
      severity: incident.severity,
      title: incident.title,
      test: incident.test,
      silenced: incident.silenced,
    },
    resolve: { eventId: `resolve:${clickId(job)}`, incidentId: incident.id, at: at.getTime(), by: user.id },
  });
  const latest = (await deps.store.incidents.get(incident.id)) ?? incident;
  if (applied.change !== 'resolved' && !latest.manualResolve) {
    return tell(
      deps,
      job.interaction.responseUrl,
      'incident-resolved',
      'This incident was resolved meanwhile; nothing was changed.',
    );
  }
  await deps.cancelEscalation?.(latest);
  await showOnRoot(latest, rule, deps);
  await replyOnce(latest, job, resolvedNote(user.id, latest.manualResolve?.stillFiring ?? []), deps);
  return 'resolved';
}

/** The click's identity: Slack's action_ts is unique per click and user. */
function clickId(job: Act): string {
  return `${job.interaction.user.id}:${job.interaction.actionTs}`;
}

function claimDeps(deps: PerformDeps): ClaimDeps {
  return { ...deps.claims, deliveries: deps.store.deliveries };
}

async function showOnRoot(incident: Incident, rule: Rule, deps: PerformDeps): Promise<void> {
  await syncRoot(incident.id, rule, {
    deliveries: deps.store.deliveries,
    incidents: deps.store.incidents,
    slack: deps.slack,
    claims: claimDeps(deps),
    budget: deps.budget,
    now: deps.now,
    logger: deps.logger,
    samplingRate: deps.samplingRate,
  });
}

async function replyOnce(
  incident: Incident,
  job: Act,
  message: NoteMessage,
  deps: PerformDeps,
): Promise<void> {
  const root = await currentRoot(incident.id, { deliveries: deps.store.deliveries });
  if (!root) {
    deps.logger.info('no Slack thread for this incident; the action is recorded only', {
      incidentId: incident.id,
    });
    return;
  }
  await sendOnce(
    claimDeps(deps),
    {
      incidentId: incident.id,
      key: { eventKey: `click:${clickId(job)}`, channel: 'slack-action-reply' },
      bound: SLACK_SEND,
      budget: deps.budget,
    },
    async ({ budget }) => {
      const res = await deps.slack.post({ channel: root.channel, threadTs: root.ts, ...message }, { budget });
      return { ts: res.ts };
    },
  );
}

async function tell(
  deps: PerformDeps,
  responseUrl: string,
  outcome: 'unknown-incident' | 'incident-resolved' | 'already-acknowledged',
  text: string,
): Promise<PerformOutcome> {
  deps.logger.info('interactivity: click changed nothing', { reason: outcome });
  await deps.respond(responseUrl, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
  return outcome === 'already-acknowledged' ? 'already-acknowledged' : outcome;
}
