/**
 * Slack delivery: one thread per incident.
 *
 * - The thread root is per incident, claimed in the delivery log. Whichever event of the
 *   incident claims it first posts the root, with message metadata naming the incident
 *   (`uia_incident_root`, `incident_id`). Its delivery record keeps the channel id, ts, the
 *   event whose page it is, and that page (root-view.ts) for later rewrites.
 * - Every other event replies in the thread (one claimed reply per event).
 * - The root is rewritten, whenever it shows an older state of the incident than the item
 *   does (the incident's span version), by `syncRoot`: writers take turns on a lease, and the
 *   record says `syncing` before the call and `done` after, so a rewrite killed half-way is
 *   redone by the next one. So the root always ends showing the latest state.
 *
 * Crash safety of the root (the retry must never post a second one):
 *
 * | the retry finds the root claim                  | it                                         |
 * |-------------------------------------------------|--------------------------------------------|
 * | `sent`                                          | uses the recorded root                     |
 * | `sending`, lease running (a live twin)          | waits for it (delivery-claim.ts)           |
 * | `sending`, lease over (the holder died; it may  | looks in the channel's history for a post  |
 * | have posted before dying)                       | carrying this incident's metadata; adopts  |
 * |                                                 | the earliest, posts only if there is none  |
 *
 * If a second root ever exists anyway (the history lookup failed, or two holders raced), the
 * later one is rewritten to point at the real thread (templates/slack-duplicate-root.ts),
 * never left showing FIRING.
 *
 * Steps fail independently; the worst failure (retryable over permanent) is thrown after
 * the others ran.
 */
import { z } from 'zod';
import type { Rule } from '../../rules/schema';
import { renderDuplicateRoot } from '../../templates/slack-duplicate-root';
import type { SlackMessage } from '../../templates/slack-alert';
import type { Incident } from '../shared/incidents/model';
import type { Deliveries, IncidentRecords } from '../shared/incidents/types';
import type { Budget } from './budget';
import { sendOnce, withLease, type ClaimDeps, type SendBound } from './delivery-claim';
import { PermanentError, RetryableError } from './errors';
import { deliveryKeys, type SlackPlan } from './plan-deliveries';
import type { Clock, NotifierLogger } from './ports';
import type { Enrichment } from './enrichment';
import { betterInformed, decodeSnapshot, encodeSnapshot, renderRoot, type RootSnapshot } from './root-view';
import type { SlackApi } from './slack-api';

/** Metadata event type every root carries. */
export const ROOT_EVENT_TYPE = 'uia_incident_root';
/** Per HTTP request (slack-api.ts `requestTimeoutMs`). */
export const SLACK_REQUEST_TIMEOUT_MS = 10_000;
/** One Slack step: 15 s of retries and waits, plus its last request. Lease: 30 s. */
export const SLACK_SEND: SendBound = { maxMs: 15_000 + SLACK_REQUEST_TIMEOUT_MS };
/** How far before the dead holder's claim the history lookup starts. */
const LOOKUP_SLACK_MS = 10 * 60_000;

const rootKey = deliveryKeys.threadRoot;
const syncKey = { eventKey: 'incident', channel: 'slack-root-sync' };

export interface ThreadRoot {
  /** Channel id. */
  channel: string;
  ts: string;
  /** The event whose page is the root. */
  eventId: string;
}

const rootSchema = z.object({
  channel: z.string().min(1),
  ts: z.string().min(1),
  eventId: z.string().min(1),
  snapshot: z.string().optional(),
  renderedVersion: z.string().optional(),
  /** What the root shows (state and span): a newer version that shows the same is skipped. */
  renderedView: z.string().optional(),
  /** The incident's `actionsVersion` the root shows (acknowledgement, escalation; root-actions.ts). */
  renderedActions: z.string().optional(),
  syncState: z.enum(['syncing', 'done']).optional(),
  /** Bumped whenever the snapshot's enrichment is replaced (progress); rendered: what the root shows. */
  snapshotRev: z.string().optional(),
  renderedSnapshotRev: z.string().optional(),
  /** The event whose enrichment the snapshot holds (default: `eventId`). */
  enrichmentEventId: z.string().optional(),
  /** Progress edits so far, and when the last one was made (epoch ms). */
  progressEdits: z.string().optional(),
  progressEditAt: z.string().optional(),
});
type RootRecord = z.infer<typeof rootSchema>;

/** This event's page: enrichment and rendering happen on first use only. */
export interface EventPage {
  snapshot: RootSnapshot;
  slack: SlackMessage;
}

export interface SlackDeliveryInput {
  plan: SlackPlan;
  incident: Incident;
  rule: Rule;
  eventId: string;
  /** The page a root posted by this event shows. */
  page: () => Promise<EventPage>;
  /** The thread reply for this event: what changed, in a few lines (templates/slack-update.ts). */
  reply: () => Promise<SlackMessage>;
}

export interface SlackDeliveryDeps {
  deliveries: Deliveries;
  incidents: Pick<IncidentRecords, 'get' | 'setSlackRoot'>;
  slack: SlackApi;
  claims: ClaimDeps;
  budget: Budget;
  now: Clock;
  logger: NotifierLogger;
  samplingRate?: number | undefined;
}

export type SlackStep = 'root' | 'reply';

export interface SlackDeliveryResult {
  root: ThreadRoot | undefined;
  /** Steps this invocation sent (empty for a duplicate). */
  sent: SlackStep[];
}

export async function deliverSlack(
  input: SlackDeliveryInput,
  deps: SlackDeliveryDeps,
): Promise<SlackDeliveryResult> {
  const { plan, incident, eventId } = input;
  const found = plan.ensureRoot
    ? await ensureRoot(input, deps)
    : { root: await currentRoot(incident.id, deps) };
  const { root } = found;
  if (root === undefined) {
    deps.logger.info('no Slack thread for this incident; nothing to reply to', { incidentId: incident.id });
    return { root, sent: [] };
  }
  if (!incident.slack)
    await deps.incidents.setSlackRoot(incident.id, { channel: root.channel, rootTs: root.ts });
  const sent: SlackStep[] = 'posted' in found && found.posted ? ['root'] : [];
  // This event's page is the root (posted now or by a twin): there is nothing more to say.
  if (root.eventId === eventId || !plan.reply) return { root, sent };

  const outcome = await sendOnce(
    deps.claims,
    { incidentId: incident.id, key: deliveryKeys.reply(eventId), bound: SLACK_SEND, budget: deps.budget },
    async ({ budget }) => {
      const res = await deps.slack.post(
        { channel: root.channel, threadTs: root.ts, ...(await input.reply()) },
        { budget },
      );
      return { ts: res.ts };
    },
  );
  if (outcome !== 'already-sent') sent.push('reply');
  return { root, sent };
}

/** The thread root, posted by this event unless someone already did (see the table above). */
async function ensureRoot(
  input: SlackDeliveryInput,
  deps: SlackDeliveryDeps,
): Promise<{ root: ThreadRoot; posted?: true }> {
  const { plan, incident, eventId } = input;
  let posted: ThreadRoot | undefined;
  let adopted = false;
  const outcome = await sendOnce(
    deps.claims,
    { incidentId: incident.id, key: rootKey, bound: SLACK_SEND, budget: deps.budget },
    async ({ budget, takeover, previous }) => {
      const page = await input.page();
      const snapshot = encodeSnapshot(page.snapshot);
      if (takeover) {
        const earlier = await earlierRoot(input, deps, previous?.leaseUntil, budget);
        if (earlier) {
          adopted = true;
          // Its page is not ours to know: record ours, and let the sync rewrite it to match.
          return { ...earlier, eventId, snapshot, renderedVersion: '0', renderedView: '', syncState: 'done' };
        }
      }
      const message = renderRoot(page.snapshot, incident, input.rule, renderOptions(deps));
      const res = await deps.slack.post(
        {
          channel: plan.channel,
          ...message,
          metadata: { eventType: ROOT_EVENT_TYPE, payload: { incident_id: incident.id } },
        },
        { budget },
      );
      posted = { channel: res.channel, ts: res.ts, eventId };
      return {
        ...posted,
        snapshot,
        renderedVersion: String(incident.spanVersion ?? 0),
        renderedView: viewOf(incident),
        syncState: 'done',
      };
    },
  );
  const recorded = await currentRoot(incident.id, deps);
  if (outcome === 'sent' && recorded) return adopted ? { root: recorded } : { root: recorded, posted: true };
  if (!recorded)
    throw new PermanentError(`incident ${incident.id}: thread root marked sent without channel and ts`);
  // We posted, but another holder's root was recorded first: ours points at theirs.
  if (outcome === 'raced' && posted) await pointAtThread(posted, recorded, incident, deps);
  return { root: recorded };
}

/** A root an earlier (dead) holder posted: found by its metadata; extras point at the first. */
async function earlierRoot(
  input: SlackDeliveryInput,
  deps: SlackDeliveryDeps,
  claimedUntil: number | undefined,
  budget: Budget,
): Promise<{ channel: string; ts: string } | undefined> {
  const configured = input.plan.channel;
  const channel = /^[CG][A-Z0-9]+$/.test(configured)
    ? configured
    : await deps.slack.channelId(configured, { budget });
  if (channel === undefined) {
    deps.logger.warn('cannot find the channel to look for an earlier root; posting', {
      incidentId: input.incident.id,
      channel: configured,
    });
    return undefined;
  }
  const since = (claimedUntil ?? deps.now().getTime()) - SLACK_SEND.maxMs - LOOKUP_SLACK_MS;
  const oldest = `${Math.floor(Math.min(since, Date.parse(input.incident.firstFiredAt)) / 1000)}.000000`;
  const posts = (
    await deps.slack.findPosted({ channel, oldest, eventType: ROOT_EVENT_TYPE }, { budget })
  ).filter((p) => p.payload.incident_id === input.incident.id);
  const [first, ...extras] = posts;
  if (!first) return undefined;
  deps.logger.warn('found the root an earlier attempt posted; not posting another', {
    incidentId: input.incident.id,
    ts: first.ts,
    extras: extras.length,
  });
  const real = { channel, ts: first.ts };
  for (const extra of extras) await pointAtThread({ channel, ts: extra.ts }, real, input.incident, deps);
  return real;
}

async function pointAtThread(
  duplicate: { channel: string; ts: string },
  real: { channel: string; ts: string },
  incident: Pick<Incident, 'id' | 'title' | 'test'>,
  deps: SlackDeliveryDeps,
): Promise<void> {
  deps.logger.warn('second thread root for one incident: pointing it at the real thread', {
    incidentId: incident.id,
    duplicate: duplicate.ts,
    real: real.ts,
  });
  await deps.slack.update(
    {
      channel: duplicate.channel,
      ts: duplicate.ts,
      ...renderDuplicateRoot({ title: incident.title, test: incident.test, ...real }),
    },
    { budget: deps.budget },
  );
}

export async function currentRoot(
  incidentId: string,
  deps: Pick<SlackDeliveryDeps, 'deliveries'>,
): Promise<ThreadRoot | undefined> {
  const record = await rootRecord(incidentId, deps);
  return record ? { channel: record.channel, ts: record.ts, eventId: record.eventId } : undefined;
}

async function rootRecord(
  incidentId: string,
  deps: Pick<SlackDeliveryDeps, 'deliveries'>,
): Promise<RootRecord | undefined> {
  const record = await deps.deliveries.get(incidentId, rootKey);
  if (record?.status !== 'sent') return undefined;
  const parsed = rootSchema.safeParse(record.detail);
  return parsed.success ? parsed.data : undefined;
}

export type RootSync = 'no-root' | 'current' | 'updated';

/**
 * Rewrites the incident's root to its current state if it shows an older one. Writers take
 * turns (a lease per root); `syncing` is recorded before the Slack call so a rewrite killed
 * half-way is redone.
 */
export async function syncRoot(incidentId: string, rule: Rule, deps: SlackDeliveryDeps): Promise<RootSync> {
  const first = await rootRecord(incidentId, deps);
  if (!first?.snapshot) return 'no-root';
  const incident = await deps.incidents.get(incidentId);
  if (!incident || isCurrent(first, incident)) return 'current';
  return withLease(
    deps.claims,
    { incidentId, key: syncKey, bound: SLACK_SEND, budget: deps.budget },
    async (budget) => {
      let result: RootSync = 'current';
      for (let pass = 0; pass < 3; pass++) {
        const record = await rootRecord(incidentId, deps);
        const latest = await deps.incidents.get(incidentId);
        if (!record?.snapshot || !latest || isCurrent(record, latest)) return result;
        const version = String(latest.spanVersion ?? 0);
        const view = viewOf(latest);
        const actions = String(latest.actionsVersion ?? 0);
        await mark(
          incidentId,
          { syncState: 'syncing', renderedVersion: version, renderedView: view, renderedActions: actions },
          deps,
        );
        const rev = record.snapshotRev ?? '0';
        const message = renderRoot(decodeSnapshot(record.snapshot), latest, rule, renderOptions(deps));
        await deps.slack.update({ channel: record.channel, ts: record.ts, ...message }, { budget });
        await mark(
          incidentId,
          {
            syncState: 'done',
            renderedVersion: version,
            renderedView: view,
            renderedSnapshotRev: rev,
            renderedActions: actions,
          },
          deps,
        );
        result = 'updated';
      }
      return result;
    },
  );
}

function isCurrent(record: RootRecord, incident: Incident): boolean {
  if (record.syncState === 'syncing') return false;
  if (Number(record.renderedSnapshotRev ?? 0) < Number(record.snapshotRev ?? 0)) return false;
  // What responders did (root-actions.ts) is shown from the record too: a newer one rewrites.
  if (Number(record.renderedActions ?? 0) < (incident.actionsVersion ?? 0)) return false;
  return (
    Number(record.renderedVersion ?? 0) >= (incident.spanVersion ?? 0) ||
    record.renderedView === viewOf(incident)
  );
}

/** Progress edits of one root at most (Slack: chat.update is Tier 3, about 50 a minute per app). */
export const MAX_PROGRESS_EDITS = 5;
/** At least this long between progress edits of one root. */
export const PROGRESS_EDIT_INTERVAL_MS = 2_000;

export type RootRefresh = 'no-root' | 'kept' | 'deferred' | 'updated';

/**
 * Shows a newer enrichment in the root, through the same claim/version machinery as every
 * other rewrite: the snapshot is replaced in the root record (conditionally, with `snapshotRev`
 * bumped) and `syncRoot` renders it, so a crash between the two is redone by the next sync and
 * the root still ends showing the latest state. Only a better-informed enrichment replaces the
 * snapshot (root-view.ts `betterInformed`). Progress (`final: false`) edits at most
 * MAX_PROGRESS_EDITS times per root, PROGRESS_EDIT_INTERVAL_MS apart; the final one always goes.
 * Returns the users the root did not name before (for the thread's delta line).
 */
export async function refreshRoot(
  input: { incidentId: string; eventId: string; rule: Rule; enrichment: Enrichment; final: boolean },
  deps: SlackDeliveryDeps,
): Promise<{ outcome: RootRefresh; newUsers: string[] }> {
  const { incidentId } = input;
  for (let attempt = 0; attempt < 3; attempt++) {
    const raw = await deps.deliveries.get(incidentId, rootKey);
    const record = raw?.status === 'sent' ? rootSchema.safeParse(raw.detail) : undefined;
    if (!record?.success || !record.data.snapshot) return { outcome: 'no-root', newUsers: [] };
    const root = record.data;
    const snapshot = decodeSnapshot(root.snapshot!);
    const current = { eventId: root.enrichmentEventId ?? root.eventId, enrichment: snapshot.enrichment };
    if (!betterInformed(current, { eventId: input.eventId, enrichment: input.enrichment }))
      return { outcome: 'kept', newUsers: [] };
    const edits = Number(root.progressEdits ?? 0);
    const lastAt = Number(root.progressEditAt ?? 0);
    const nowMs = deps.now().getTime();
    if (!input.final && (edits >= MAX_PROGRESS_EDITS || nowMs - lastAt < PROGRESS_EDIT_INTERVAL_MS))
      return { outcome: 'deferred', newUsers: [] };
    const named = new Set(snapshot.enrichment.users.map((u) => u.username));
    const newUsers = input.enrichment.users.map((u) => u.username).filter((u) => !named.has(u));
    const rev = String(Number(root.snapshotRev ?? 0) + 1);
    const written = await deps.deliveries.annotate(
      incidentId,
      rootKey,
      {
        snapshot: encodeSnapshot({ alert: snapshot.alert, enrichment: input.enrichment }),
        snapshotRev: rev,
        enrichmentEventId: input.eventId,
        ...(input.final ? {} : { progressEdits: String(edits + 1), progressEditAt: String(nowMs) }),
      },
      (latest) => (latest.detail?.['snapshotRev'] ?? '0') === (root.snapshotRev ?? '0'),
    );
    if (!written) continue;
    await syncRoot(incidentId, input.rule, deps);
    return { outcome: 'updated', newUsers };
  }
  return { outcome: 'kept', newUsers: [] };
}

/**
 * Marks the root as showing less than it should (its snapshot revision bumped), so the next
 * `syncRoot` renders it again from the incident: used when something the root derives from the
 * incident changed without a new span version (the severity decided from the impact).
 */
export async function touchRoot(
  incidentId: string,
  deps: Pick<SlackDeliveryDeps, 'deliveries'>,
): Promise<boolean> {
  const record = await rootRecord(incidentId, deps);
  if (!record) return false;
  const rev = record.snapshotRev ?? '0';
  // A failed condition means another writer bumped the revision first: the root is marked all the same.
  await deps.deliveries.annotate(
    incidentId,
    rootKey,
    { snapshotRev: String(Number(rev) + 1) },
    (latest) => (latest.detail?.['snapshotRev'] ?? '0') === rev,
  );
  return true;
}

/** The part of an incident the root shows: an attach that changes none of it rewrites nothing. */
export function viewOf(incident: Pick<Incident, 'state' | 'firstFiredAt' | 'resolvedAt'>): string {
  return `${incident.state}|${incident.firstFiredAt}|${incident.resolvedAt ?? ''}`;
}

async function mark(
  incidentId: string,
  detail: Record<string, string>,
  deps: Pick<SlackDeliveryDeps, 'deliveries'>,
) {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await deps.deliveries.annotate(incidentId, rootKey, detail, () => true)) return;
  }
  throw new RetryableError(`incident ${incidentId}: the root record kept changing`);
}

function renderOptions(deps: Pick<SlackDeliveryDeps, 'now' | 'samplingRate'>) {
  return { now: deps.now(), samplingRate: deps.samplingRate };
}
