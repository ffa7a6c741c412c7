/**
 * What a chaos run must still show at its end, whatever was reordered, duplicated, run at once,
 * killed or rate-limited. Outages come from the AWS events (outages.ts), never from the store;
 * the store, Slack, SNS and the incident bus are what is judged against them.
 *
 * | invariant                     | violated when                                                  |
 * |-------------------------------|----------------------------------------------------------------|
 * | resolved-when-sources-resolved | an incident of a rule is open though every source of the rule |
 * |                               | said it resolved (alarm OK, every Insight closed)              |
 * | one-root-and-email-per-outage | an outage has no incident, several, or shares one with another |
 * |                               | outage; has not exactly one thread root (Slack-routed rules);  |
 * |                               | has no page email (paging rules), or more than one beyond the  |
 * |                               | crashes that fell after SNS accepted one (those are counted)   |
 * | no-firing-root-when-resolved  | a root message of a resolved incident shows it as not resolved |
 * |                               | (a second root must point at the real thread)                  |
 * | root-matches-store            | an incident's root is missing, is not the message the store    |
 * |                               | names, or shows another state than the store has               |
 * | incident-updated-per-change   | an incident changed more often (its span version) than        |
 * |                               | `Incident Updated` events name distinct triggering events for  |
 * |                               | it (each change has exactly one trigger)                       |
 *
 * "Shows": the root's header block, rendered by the notifier's own root renderer from the
 * root's page snapshot and the stored incident, so a change of wording in the templates changes
 * both sides. (The rest of the root reads the clock, "resolved 3 min ago", and is not compared.)
 */
import { ROOT_EVENT_TYPE } from '../../functions/notifier/deliver-slack';
import { renderRoot, type RootSnapshot } from '../../functions/notifier/root-view';
import type { Incident } from '../../functions/shared/incidents/model';
import type { Rule, RuleSet } from '../../rules/schema';
import { renderDuplicateRoot } from '../../templates/slack-duplicate-root';
import type { BusEvent } from '../event-bus';
import type { KillRecord } from '../lambda/kill-switch';
import type { SlackMessage } from '../slack-server';
import type { PublishedMessage } from '../sns-server';
import { groundTruth, type Outage } from './outages';

export const INVARIANTS = [
  'resolved-when-sources-resolved',
  'one-root-and-email-per-outage',
  'no-firing-root-when-resolved',
  'root-matches-store',
  'incident-updated-per-change',
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export const INVARIANT_TITLES: Record<InvariantName, string> = {
  'resolved-when-sources-resolved': 'no incident left open after all its sources resolved',
  'one-root-and-email-per-outage':
    'each outage has exactly one root and at least one page email (more only after a crash past SNS)',
  'no-firing-root-when-resolved': 'no root shows FIRING for a resolved incident',
  'root-matches-store': 'at the end the Slack root of every incident matches the store',
  'incident-updated-per-change': 'every incident change has at least one Incident Updated event',
};

export interface ChaosObservation {
  ruleSet: RuleSet;
  reopenWindowMs: number;
  /** Alarm and Insight events as AWS emitted them. */
  awsEvents: readonly BusEvent[];
  /** Every incident in the store (test alerts are left out of the judgement). */
  incidents: readonly Incident[];
  /** Each incident's root page, from its root delivery record. */
  rootSnapshots: ReadonlyMap<string, RootSnapshot>;
  /** Every top-level Slack message. */
  slackTopLevel: readonly SlackMessage[];
  /** Page emails on the on-call topic. */
  emails: readonly PublishedMessage[];
  /** `Incident Updated` events that reached the project bus. */
  incidentUpdates: readonly BusEvent[];
  kills: readonly KillRecord[];
  /** The page email's delivery channel (plan-deliveries.ts). */
  emailChannel: string;
}

export interface InvariantResult {
  name: InvariantName;
  title: string;
  /** How many things were checked (outages, incidents, roots…). */
  checked: number;
  violations: string[];
}

export interface ChaosVerdict {
  invariants: InvariantResult[];
  outages: number;
  /** Emails beyond the first per outage, and how many a crash after SNS accepted explains. */
  duplicateEmails: { total: number; explained: number };
  /** Second roots rewritten to point at the real thread. */
  pointerRoots: number;
}

export function judge(o: ChaosObservation): ChaosVerdict {
  const truth = groundTruth(o.awsEvents, o.ruleSet.namePrefix, o.reopenWindowMs);
  const incidents = o.incidents.filter((i) => !i.test);
  const rules = new Map(o.ruleSet.rules.map((r) => [r.id, r]));
  const roots = rootsByIncident(o.slackTopLevel);
  const views = new RootViews(o, rules, roots);
  const outages = [...truth.values()].flatMap((t) => t.outages);

  const perOutage = outageChecks(o, outages, incidents, rules, views);
  return {
    invariants: [
      resolvedWhenSourcesResolved(incidents, truth),
      perOutage.result,
      noFiringRootWhenResolved(incidents, views),
      rootMatchesStore(incidents, rules, views),
      incidentUpdatedPerChange(incidents, o.incidentUpdates),
    ],
    outages: outages.length,
    duplicateEmails: perOutage.duplicateEmails,
    pointerRoots: views.pointers,
  };
}

const result = (name: InvariantName, checked: number, violations: string[]): InvariantResult => ({
  name,
  title: INVARIANT_TITLES[name],
  checked,
  violations,
});

function resolvedWhenSourcesResolved(
  incidents: readonly Incident[],
  truth: ReturnType<typeof groundTruth>,
): InvariantResult {
  const judged = incidents.filter((i) => truth.get(i.ruleId)?.allSourcesResolved === true);
  return result(
    'resolved-when-sources-resolved',
    judged.length,
    judged
      .filter((i) => i.state !== 'resolved')
      .map((i) => `${i.ruleId}: ${i.id} is still ${i.state} though every source of the rule resolved`),
  );
}

function outageChecks(
  o: ChaosObservation,
  outages: readonly Outage[],
  incidents: readonly Incident[],
  rules: ReadonlyMap<string, Rule>,
  views: RootViews,
): { result: InvariantResult; duplicateEmails: { total: number; explained: number } } {
  const problems: string[] = [];
  const W = o.reopenWindowMs;
  const ofOutage = new Map<Outage, Incident[]>(outages.map((out) => [out, []]));
  for (const incident of incidents) {
    const mine = outages.filter((out) => out.ruleId === incident.ruleId && overlaps(incident, out, W / 2));
    if (mine.length === 0)
      problems.push(`${incident.ruleId}: ${incident.id} answers no outage (${span(incident)})`);
    if (mine.length > 1)
      problems.push(
        `${incident.ruleId}: ${incident.id} spans ${mine.length} outages, which should each page`,
      );
    for (const out of mine) ofOutage.get(out)!.push(incident);
  }
  const emailsByEvent = new Map<string, number>();
  for (const email of o.emails) {
    const id = eventIdOfEmail(email.message);
    if (id) emailsByEvent.set(id, (emailsByEvent.get(id) ?? 0) + 1);
  }
  let total = 0;
  let explained = 0;
  for (const [out, mine] of ofOutage) {
    const rule = rules.get(out.ruleId);
    const what = `${out.ruleId} outage ${span(out)}`;
    if (mine.length === 0) {
      problems.push(`${what}: no incident (never paged)`);
      continue;
    }
    if (mine.length > 1) problems.push(`${what}: split into ${mine.length} incidents (${ids(mine)})`);
    const ids1 = new Set(mine.map((i) => i.id));
    if (rule?.routes.slack !== undefined && !mine.every(sendsNothingOfItsOwn)) {
      // A second post rewritten to point at the real thread is not a root (it is counted).
      const shown = mine.flatMap((i) =>
        views.messagesOf(i).filter((m) => views.classify(i, m) !== 'pointer'),
      );
      if (shown.length !== 1)
        problems.push(
          `${what}: ${shown.length} thread roots, not one (${shown.map((m) => m.ts).join(', ')})`,
        );
    }
    if (rule?.routes.email === 'immediate' && !mine.every(sendsNothingOfItsOwn)) {
      const sent = out.eventIds.reduce((n, id) => n + (emailsByEvent.get(id) ?? 0), 0);
      const extra = Math.max(0, sent - 1);
      const afterSns = o.kills.filter((k) => crashedPastSns(k, ids1, o.emailChannel)).length;
      total += extra;
      explained += Math.min(extra, afterSns);
      if (sent === 0) problems.push(`${what}: no page email`);
      if (extra > afterSns)
        problems.push(
          `${what}: ${sent} page emails; only ${afterSns} crash(es) fell after SNS accepted one (${ids(mine)})`,
        );
    }
  }
  return {
    result: result('one-root-and-email-per-outage', outages.length, problems),
    duplicateEmails: { total, explained },
  };
}

/**
 * Silenced, or folded into another incident's thread (inhibited or linked: its opening is one
 * line there): no root and no email of its own to check.
 */
function sendsNothingOfItsOwn(incident: Incident): boolean {
  return incident.silenced || incident.relatedTo !== undefined;
}

/** Killed at, or reached after the kill, the moment SNS had accepted this incident's email. */
function crashedPastSns(kill: KillRecord, incidents: ReadonlySet<string>, channel: string): boolean {
  const past = (p: { point: string; detail: { incidentId?: string; channel?: string } }) =>
    p.point === 'accepted' && p.detail.channel === channel && incidents.has(p.detail.incidentId ?? '');
  return past(kill) || kill.after.some(past);
}

function noFiringRootWhenResolved(incidents: readonly Incident[], views: RootViews): InvariantResult {
  const problems: string[] = [];
  let checked = 0;
  for (const incident of incidents.filter((i) => i.state === 'resolved')) {
    for (const message of views.messagesOf(incident)) {
      checked += 1;
      const view = views.classify(incident, message);
      if (view !== 'resolved' && view !== 'pointer')
        problems.push(`${incident.ruleId}: root ${message.ts} of resolved ${incident.id} shows ${view}`);
    }
  }
  return result('no-firing-root-when-resolved', checked, problems);
}

function rootMatchesStore(
  incidents: readonly Incident[],
  rules: ReadonlyMap<string, Rule>,
  views: RootViews,
): InvariantResult {
  const problems: string[] = [];
  const judged = incidents.filter(
    (i) => rules.get(i.ruleId)?.routes.slack !== undefined && !sendsNothingOfItsOwn(i),
  );
  for (const incident of judged) {
    const what = `${incident.ruleId}: ${incident.id} (${incident.state})`;
    if (!incident.slack) {
      problems.push(`${what}: the store names no root`);
      continue;
    }
    const root = views.messagesOf(incident).find((m) => m.ts === incident.slack?.rootTs);
    if (!root) {
      problems.push(`${what}: no message ${incident.slack.rootTs} carries its root metadata`);
      continue;
    }
    const view = views.classify(incident, root);
    const expected = incident.state === 'resolved' ? 'resolved' : 'open';
    if (view !== expected) problems.push(`${what}: its root ${root.ts} shows ${view}`);
  }
  return result('root-matches-store', judged.length, problems);
}

function incidentUpdatedPerChange(
  incidents: readonly Incident[],
  updates: readonly BusEvent[],
): InvariantResult {
  const triggers = new Map<string, Set<string>>();
  for (const event of updates) {
    const detail = event.detail as { incidentId?: string; trigger?: { eventId?: string } };
    if (!detail.incidentId || !detail.trigger?.eventId) continue;
    const set = triggers.get(detail.incidentId) ?? new Set<string>();
    set.add(detail.trigger.eventId);
    triggers.set(detail.incidentId, set);
  }
  return result(
    'incident-updated-per-change',
    incidents.length,
    incidents.flatMap((i) => {
      const changes = i.spanVersion ?? 0;
      const published = triggers.get(i.id)?.size ?? 0;
      return published < changes
        ? [`${i.ruleId}: ${i.id} changed ${changes} times, Incident Updated names ${published} of them`]
        : [];
    }),
  );
}

// ---- roots --------------------------------------------------------------------------------

type View = 'resolved' | 'open' | 'pointer' | 'unreadable' | 'something else';

/** What each root message shows, rendered the notifier's way from the store. */
class RootViews {
  pointers = 0;
  private counted = new Set<string>();

  constructor(
    private readonly o: ChaosObservation,
    private readonly rules: ReadonlyMap<string, Rule>,
    private readonly roots: ReadonlyMap<string, SlackMessage[]>,
  ) {}

  messagesOf(incident: Incident): SlackMessage[] {
    return this.roots.get(incident.id) ?? [];
  }

  classify(incident: Incident, message: SlackMessage): View {
    const rule = this.rules.get(incident.ruleId);
    const snapshot = this.o.rootSnapshots.get(incident.id);
    if (incident.slack && message.ts !== incident.slack.rootTs) {
      const pointer = renderDuplicateRoot({
        title: incident.title,
        test: incident.test,
        channel: incident.slack.channel,
        ts: incident.slack.rootTs,
      });
      if (message.text === pointer.text) {
        if (!this.counted.has(message.ts)) this.pointers += 1;
        this.counted.add(message.ts);
        return 'pointer';
      }
    }
    if (!rule || !snapshot) return 'unreadable';
    const shown = headerOf(message);
    const as = (state: Incident['state']) =>
      headerOf(
        renderRoot(snapshot, { ...incident, state }, rule, { now: new Date(), samplingRate: undefined }),
      );
    if (shown === as('resolved')) return 'resolved';
    if (shown === as('open')) return 'open';
    return 'something else';
  }
}

function headerOf(message: { text: string; blocks?: unknown[] | undefined }): string {
  const block = (message.blocks ?? []).find(
    (b): b is { type: 'header'; text: { text: string } } =>
      typeof b === 'object' && b !== null && (b as { type?: unknown }).type === 'header',
  );
  return block?.text.text ?? message.text.split('\n')[0] ?? '';
}

function rootsByIncident(messages: readonly SlackMessage[]): Map<string, SlackMessage[]> {
  const out = new Map<string, SlackMessage[]>();
  for (const message of messages) {
    if (message.metadata?.event_type !== ROOT_EVENT_TYPE) continue;
    const id = message.metadata.event_payload.incident_id;
    if (typeof id !== 'string') continue;
    out.set(id, [...(out.get(id) ?? []), message]);
  }
  return out;
}

// ---- helpers ------------------------------------------------------------------------------

/** `… - event <id> - …` on the last line of every page email (templates/email-alert.ts). */
export function eventIdOfEmail(body: string): string | undefined {
  return / - event (\S+) - /.exec(body)?.[1];
}

function overlaps(incident: Incident, out: Outage, slackMs: number): boolean {
  const start = Date.parse(incident.firstFiredAt);
  const end = incident.resolvedAt ? Date.parse(incident.resolvedAt) : Number.POSITIVE_INFINITY;
  const outEnd = out.endMs ?? Number.POSITIVE_INFINITY;
  return start <= outEnd + slackMs && end >= out.startMs - slackMs;
}

function span(s: { firstFiredAt: string; resolvedAt?: string | undefined } | Outage): string {
  const [from, to] =
    'firstFiredAt' in s
      ? [Date.parse(s.firstFiredAt), s.resolvedAt ? Date.parse(s.resolvedAt) : undefined]
      : [s.startMs, s.endMs];
  const t = (ms: number | undefined) => (ms === undefined ? '…' : new Date(ms).toISOString().slice(11, 19));
  return `${t(from)}–${t(to)}`;
}

function ids(incidents: readonly Incident[]): string {
  return incidents.map((i) => i.id).join(', ');
}
