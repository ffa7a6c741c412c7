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
