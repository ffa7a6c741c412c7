/**
 * What to send for one event, decided from (alert state, incident change, rule, time) alone:
 * no I/O, so every routing decision is a table test. Like Alertmanager's notify pipeline, the
 * decision (silenced? which receivers? which message?) is separate from the sending.
 *
 * | alert state      | incident change (decide.ts)     | Slack                                   | email |
 * |------------------|---------------------------------|-----------------------------------------|-------|
 * | firing / updated | opened, attached, reopened      | root (if the incident has none) + reply | once  |
 * | any              | opened-resolved (learnt late)   | root (it says it already resolved)      | once  |
 * | resolved         | resolved                        | reply                                   | no    |
 * | resolved         | still-open (other source on)    | reply                                   | no    |
 * | insufficient_data| noted (incident open)           | reply                                   | no    |
 * | any              | corrected, already-resolved,    | nothing                                 | no    |
 * |                  | stale, no-incident              |                                         |       |
 * | any, rule silenced at the event time               | nothing (recorded only)                 | no    |
 *
 * Silences come from the rule's code (`silences`, in force until `until`) and from pages
 * (Silence 1 h / 4 h, stored per rule: functions/shared/incidents/silences.ts, in force from
 * `from` until `until`). Both are judged at the event time, so a late event from before a
 * silence was set still pages, and one from inside it does not.
 *
 * The root is not in this table: after every event, each incident the event changed (and the
 * event's own) has its root rewritten to its current state if the root shows an older one
 * (deliver-slack.ts, ordered by the incident's span version). So a resolve, a reopen, a late
 * correction or an incident closed by another's quiet proof all reach the root the same way.
 *
 * Email follows PagerDuty's trigger mail: one per incident, for rules routed `immediate`,
 * claimed by whichever event of the incident gets there first (so a crash between opening
 * the incident and mailing still mails on the retry). An outage first learnt from its
 * resolution still mails: a page never sent is the worst defect; this one says "resolved".
 * Updates and the resolution go to the Slack thread only; `digest` rules reach managers
 * through the digest.
 *
 * "Reply" is skipped by the Slack step when this very event posted the root (the page *is*
 * the root); the root is per incident, so any firing event can post it.
 */
import type { Change } from '../shared/incidents/decide';
import type { DeliveryKey, RuntimeSilence } from '../shared/incidents/types';
import type { Rule, RuleSet } from '../../rules/schema';
import type { AlertState } from './alert';

export type IncidentChange = Change;

/** A silence in force: the rule's own, or one set from a page (with `from` and its id). */
export type Silence = Rule['silences'][number] & { from?: string; id?: string };

export interface SlackPlan {
  /** Channel id when the routing config knows it, else the name (chat.postMessage takes both). */
  channel: string;
  /** Post the thread root when the incident has none yet. */
  ensureRoot: boolean;
  /** Reply in the thread with this event's page. */
  reply: boolean;
}

export interface DeliveryPlan {
  /** The silence in force at the event time: the event is recorded but nothing is sent. */
  silence: Silence | undefined;
  slack: SlackPlan | undefined;
  email: boolean;
}

export interface PlanInput {
  state: AlertState;
  change: IncidentChange;
  rule: Pick<Rule, 'routes' | 'silences'>;
  routing: RuleSet['routing'];
  /** The event time: silences are judged at it, not at processing time (retries come later). */
  at: Date;
  /** Silences set from pages for this rule (none when absent). */
  runtimeSilences?: readonly RuntimeSilence[];
}

export function planDeliveries(input: PlanInput): DeliveryPlan {
  const silence = activeSilence(input.rule, input.at, input.runtimeSilences);
  const nothing: DeliveryPlan = { silence, slack: undefined, email: false };
  if (silence) return nothing;

  const firingLike = input.state === 'firing' || input.state === 'updated';
  const channel = slackTarget(input.rule, input.routing);
  const slack = (plan: Omit<SlackPlan, 'channel'>): SlackPlan | undefined =>
    channel === undefined ? undefined : { channel, ...plan };

  const email = input.rule.routes.email === 'immediate';
  switch (input.change) {
    case 'opened':
    case 'attached':
    case 'reopened':
      if (!firingLike) return nothing;
      return { silence, slack: slack({ ensureRoot: true, reply: true }), email };
    case 'opened-resolved':
      return { silence, slack: slack({ ensureRoot: true, reply: false }), email };
    case 'resolved':
    case 'still-open':
    case 'noted':
      return { silence, slack: slack({ ensureRoot: false, reply: true }), email: false };
    case 'corrected':
    case 'already-resolved':
    case 'stale':
    case 'no-incident':
      return nothing;
  }
}

/**
 * A code silence is in force from when it is written until `until` (exclusive); the first one
 * in force is reported. Otherwise a runtime one in force from `from` (inclusive) until `until`,
 * the one that ends last.
 */
export function activeSilence(
  rule: Pick<Rule, 'silences'>,
  at: Date,
  runtime: readonly RuntimeSilence[] = [],
): Silence | undefined {
  const t = at.getTime();
  const coded = rule.silences.find((s) => t < Date.parse(s.until));
  if (coded) return coded;
  const set = runtime
    .filter((s) => Date.parse(s.from) <= t && t < Date.parse(s.until))
    .sort((a, b) => Date.parse(b.until) - Date.parse(a.until))[0];
  return (
    set && { id: set.id, from: set.from, until: set.until, reason: set.reason, createdBy: set.createdBy }
  );
}

export function slackTarget(rule: Pick<Rule, 'routes'>, routing: RuleSet['routing']): string | undefined {
  const name = rule.routes.slack;
  if (name === undefined) return undefined;
  return routing.slackChannels.find((c) => c.name === name)?.id ?? name;
}

/**
 * Per-channel delivery records (functions/shared/incidents/deliveries.ts). The thread root
 * and the page email are per incident; everything else is per event.
 */
export type { DeliveryKey };

export const deliveryKeys = {
  threadRoot: { eventKey: 'incident', channel: 'slack-root' },
  pageEmail: { eventKey: 'incident', channel: 'email' },
  reply: (eventId: string): DeliveryKey => ({ eventKey: eventId, channel: 'slack-reply' }),
  followUp: (eventId: string): DeliveryKey => ({ eventKey: eventId, channel: 'slack-follow-up' }),
  /** Not a send: written once this event's impact is recorded, so a duplicate skips X-Ray. */
  impact: (eventId: string): DeliveryKey => ({ eventKey: eventId, channel: 'impact' }),
} as const;
