/**
 * An incident: one stretch of trouble for one rule. Alarm and Insight events of the same
 * rule that overlap in time attach to the same incident; it resolves when every source
 * that opened it has cleared. Which events belong to which incident, and its state, are
 * decided on the rule's ledger (decide.ts); this item mirrors that and adds what the
 * deliveries need (impact, users, Slack thread). Validated whenever it is read back.
 */
import { z } from 'zod';

export const alertSourceSchema = z.enum(['alarm', 'insight', 'test']);
export type AlertSource = z.infer<typeof alertSourceSchema>;

/** Most usernames kept per incident (for distinct-user counts across a digest period). */
export const MAX_STORED_USERS = 1_000;

/**
 * Affected users estimated from those seen when fewer than all requests are traced (the
 * notifier's affected-estimate.ts): point estimate and 95 % interval.
 */
export const estimateSchema = z.object({
  seen: z.number().int().min(0),
  estimate: z.number().int().min(0),
  low: z.number().int().min(0),
  high: z.number().int().min(0),
  samplingRate: z.number().gt(0).lt(1),
});
export type ImpactEstimate = z.infer<typeof estimateSchema>;

export const impactSchema = z.object({
  affectedUsers: z.number().int().min(0),
  anonymousRequests: z.number().int().min(0),
  unattributedTraces: z.number().int().min(0),
  totalTraces: z.number().int().min(0),
  faults: z.number().int().min(0),
  /** Whether the figures come from a partial or failed enrichment (a lower bound). */
  partial: z.boolean(),
  /** Under sampling: the estimate of the best-informed enrichment (the one that saw most users). */
  estimate: estimateSchema.optional(),
});
export type Impact = z.infer<typeof impactSchema>;

export const EMPTY_IMPACT: Impact = {
  affectedUsers: 0,
  anonymousRequests: 0,
  unattributedTraces: 0,
  totalTraces: 0,
  faults: 0,
  partial: false,
};

/** A Slack user id (`U…`, or `W…` on Enterprise Grid): validated so it can go into a mention. */
export const slackUserIdSchema = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id (U… or W…)');

/**
 * Who picked the page up, from the page's Acknowledge button, or from Resolve on a page nobody had
 * acknowledged (a responder who resolves has picked it up too). Written once: a second
 * acknowledgement changes nothing (incident-records.ts).
 */
export const acknowledgementSchema = z.object({
  by: slackUserIdSchema,
  /** The responder's Slack username at the time, for text without mentions (digest, email). */
  byName: z.string().max(80).optional(),
  at: z.iso.datetime(),
  via: z.enum(['acknowledge', 'resolve']),
});
export type Acknowledgement = z.infer<typeof acknowledgementSchema>;

/**
 * A resolve pressed by a person rather than implied by the sources (decide.ts, "manual resolve").
 * `stillFiring`: the sources that were still firing when it was pressed (the page says so).
 */
export const manualResolveSchema = z.object({
  by: slackUserIdSchema,
  at: z.iso.datetime(),
  stillFiring: z.array(alertSourceSchema),
});
export type ManualResolveRecord = z.infer<typeof manualResolveSchema>;

/**
 * Escalation of an unacknowledged page (the rule's `escalation`): the steps sent, and the one-time
 * schedule waiting to send the next one.
 */
export const escalationSchema = z.object({
  /** Escalations sent, oldest first; step 1 is the first. */
  steps: z.array(z.object({ step: z.number().int().min(1), at: z.iso.datetime() })),
  /** The EventBridge Scheduler one-time schedule that will send `step`, if one is waiting. */
  pending: z
    .object({ step: z.number().int().min(1), dueAt: z.iso.datetime(), schedule: z.string().min(1) })
    .optional(),
});
export type EscalationRecord = z.infer<typeof escalationSchema>;

export const incidentSchema = z.object({
  id: z.string().min(1),
  ruleId: z.string().min(1),
  severity: z.enum(['page', 'ticket', 'info']),
  title: z.string(),
  test: z.boolean(),
  state: z.enum(['open', 'resolved']),
  /** Sources currently firing; the incident resolves when this empties. */
  activeSources: z.array(alertSourceSchema),
  /** Every source that ever fired in this incident. */
  sources: z.array(alertSourceSchema),
  firstFiredAt: z.iso.datetime(),
  lastEventAt: z.iso.datetime(),
  /** First successful send on any channel. */
  pagedAt: z.iso.datetime().optional(),
  resolvedAt: z.iso.datetime().optional(),
  reopenedCount: z.number().int().min(0),
  silenced: z.boolean(),
  slack: z.object({ channel: z.string(), rootTs: z.string() }).optional(),
  /** Peak figures seen across the incident's events. */
  impact: impactSchema,
  /**
   * Affected usernames (bounded by MAX_STORED_USERS). Kept in their own item, which expires
   * `retention.usernameDays` after they were last recorded: empty once they are gone.
   */
  users: z.array(z.string()),
  usersTruncated: z.boolean(),
  /** How many usernames the list held when it was last written; stays when the names expire. */
  usernameCount: z.number().int().min(0).optional(),
  /** Some of the incident's usernames were dropped by retention: counts stay, names are gone. */
  usernamesExpired: z.boolean().optional(),
  /** When the item expires (epoch seconds, the table's TTL attribute); none while it is open. */
  expiresAt: z.number().int().optional(),
  /** Bumped on every write of the item (optimistic locking). */
  version: z.number().int().min(1),
  /** The rule ledger's version of this incident's span that the item shows (ledger.ts). */
  spanVersion: z.number().int().min(0).optional(),
  /**
   * Folded into another incident's thread instead of paging on its own (the notifier's
   * relate.ts): `inhibited` by a rule's `inhibits`, or `linked` by shared users and root cause.
   * The digest counts such an incident as part of the one it points to. Absent: its own thread.
   */
  relatedTo: z
    .object({
      kind: z.enum(['inhibited', 'linked']),
      incidentId: z.string().min(1),
      ruleId: z.string().min(1),
    })
    .optional(),
  /**
   * Severity as decided from the impact (`rule.impact`), when it differs from the rule's:
   * the page says why ("ticket: 2 registered users < 3").
   */
  decidedSeverity: z.enum(['page', 'ticket', 'info']).optional(),
  /** Why, as the page shows it: "paged: 14 registered users ≥ 3" (notifier impact-severity.ts). */
  severityReason: z.string().optional(),
  /** Absent until someone acknowledges (or resolves) the page from Slack. */
  acknowledgement: acknowledgementSchema.optional(),
  /** Present when a person resolved it from Slack; mirrored from the ledger's span. */
  manualResolve: manualResolveSchema.optional(),
  /** Absent for rules without `escalation`, and until the first escalation is scheduled. */
  escalation: escalationSchema.optional(),
  /**
   * Bumped by every write an action makes that the root shows (acknowledgement, escalation):
   * orders root rewrites together with `spanVersion` (deliver-slack.ts). Absent: 0.
   */
  actionsVersion: z.number().int().min(0).optional(),
});
export type Incident = z.infer<typeof incidentSchema>;

/** Merges the impact of a new event into the incident's peak figures. */
export function mergeImpact(a: Impact, b: Impact): Impact {
  return {
    affectedUsers: Math.max(a.affectedUsers, b.affectedUsers),
    anonymousRequests: Math.max(a.anonymousRequests, b.anonymousRequests),
    unattributedTraces: Math.max(a.unattributedTraces, b.unattributedTraces),
    totalTraces: Math.max(a.totalTraces, b.totalTraces),
    faults: Math.max(a.faults, b.faults),
    partial: a.partial || b.partial,
    ...betterInformed(a.estimate, b.estimate),
  };
}

/**
 * Not the peak, unlike the counts: an estimate from few users seen is the least certain, and the
 * highest one is often the first page's. The one that saw more users wins (ties: the newer).
 */
function betterInformed(
  current: ImpactEstimate | undefined,
  incoming: ImpactEstimate | undefined,
): { estimate?: ImpactEstimate } {
  const best =
    current === undefined
      ? incoming
      : incoming === undefined || current.seen > incoming.seen
        ? current
        : incoming;
  return best === undefined ? {} : { estimate: best };
}

/** Union of usernames, keeping insertion order and the storage bound. */
export function mergeUsers(
  current: readonly string[],
  incoming: readonly string[],
  truncated: boolean,
): { users: string[]; usersTruncated: boolean } {
  const users = [...current];
  const seen = new Set(users);
  let dropped = false;
  for (const name of incoming) {
    if (seen.has(name)) continue;
    if (users.length >= MAX_STORED_USERS) {
      dropped = true;
      break;
    }
    seen.add(name);
    users.push(name);
  }
  return { users, usersTruncated: truncated || dropped };
}
