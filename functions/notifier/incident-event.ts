/**
 * The `Incident Updated` event the notifier puts on the project bus after each incident
 * change, for other teams' automation (status pages, ticketing, chat-ops). This schema is the
 * contract; docs/incident-events.md describes it field by field, and a test validates what
 * the notifier emits against it (strict: a field added here without docs fails that test).
 *
 * Usernames are personal data: they leave the notifier only for rules that opt in with
 * `enrichment.shareUsernames`, and at most MAX_SHARED_USERNAMES of them.
 */
import { z } from 'zod';
import type { Rule } from '../../rules/schema';
import { alertSourceSchema, impactSchema, type Incident } from '../shared/incidents/model';
import type { Alert } from './alert';
import type { IncidentChange } from './plan-deliveries';

export const INCIDENT_EVENT_SCHEMA_VERSION = 1;
/** Keeps the entry far below EventBridge's 256 KB even with long names. */
export const MAX_SHARED_USERNAMES = 500;

/**
 * Changes that produce an event: the incident's record changed. `corrected`: a late event
 * moved when the incident started or ended, nothing else.
 */
export const PUBLISHED_CHANGES = [
  'opened',
  'attached',
  'reopened',
  'resolved',
  'still-open',
  'corrected',
] as const;
export type PublishedChange = (typeof PUBLISHED_CHANGES)[number];

const iso = z.iso.datetime();
const url = z.url({ protocol: /^https?$/ });

export const incidentUpdatedDetailSchema = z
  .object({
    schemaVersion: z.literal(INCIDENT_EVENT_SCHEMA_VERSION),
    ruleId: z.string().min(1),
    incidentId: z.string().min(1),
    title: z.string(),
    severity: z.enum(['page', 'ticket', 'info']),
    state: z.enum(['open', 'resolved']),
    change: z.enum(PUBLISHED_CHANGES),
    test: z.boolean(),
    silenced: z.boolean(),
    trigger: z
      .object({
        eventId: z.string().min(1),
        kind: z.enum(['alarm', 'insight', 'test']),
        state: z.enum(['firing', 'updated', 'resolved', 'insufficient_data']),
        at: iso,
      })
      .strict(),
    firstFiredAt: iso,
    lastEventAt: iso,
    resolvedAt: iso.optional(),
    durationSeconds: z.number().int().min(0).optional(),
    sources: z.array(alertSourceSchema),
    activeSources: z.array(alertSourceSchema),
    counts: impactSchema.strict(),
    usernames: z.array(z.string()).max(MAX_SHARED_USERNAMES).optional(),
    usernamesTruncated: z.boolean().optional(),
    links: z
      .object({
        runbook: url,
        alarm: url.optional(),
        insight: url.optional(),
        traces: url.optional(),
        slackThread: z.object({ channel: z.string(), ts: z.string() }).strict().optional(),
      })
      .strict(),
  })
  .strict();

export type IncidentUpdatedDetail = z.infer<typeof incidentUpdatedDetailSchema>;

export function isPublishedChange(change: IncidentChange): change is PublishedChange {
  return (PUBLISHED_CHANGES as readonly string[]).includes(change);
}

export interface IncidentEventInput {
  incident: Incident;
  change: PublishedChange;
  alert: Pick<Alert, 'eventId' | 'kind' | 'state' | 'changedAt' | 'links'>;
  rule: Pick<Rule, 'runbookUrl' | 'enrichment'>;
}

export function incidentUpdatedDetail(input: IncidentEventInput): IncidentUpdatedDetail {
  const { incident, alert, rule } = input;
  const share = rule.enrichment.shareUsernames;
  const usernames = incident.users.slice(0, MAX_SHARED_USERNAMES);
  const durationMs =
    incident.resolvedAt === undefined
      ? undefined
      : Date.parse(incident.resolvedAt) - Date.parse(incident.firstFiredAt);
  return {
    schemaVersion: INCIDENT_EVENT_SCHEMA_VERSION,
    ruleId: incident.ruleId,
    incidentId: incident.id,
    title: incident.title,
    severity: incident.severity,
    state: incident.state,
    change: input.change,
    test: incident.test,
    silenced: incident.silenced,
    trigger: {
      eventId: alert.eventId,
      kind: alert.kind,
      state: alert.state,
      at: alert.changedAt.toISOString(),
    },
    firstFiredAt: incident.firstFiredAt,
    lastEventAt: incident.lastEventAt,
    ...(incident.resolvedAt === undefined ? {} : { resolvedAt: incident.resolvedAt }),
    ...(durationMs === undefined ? {} : { durationSeconds: Math.max(0, Math.round(durationMs / 1000)) }),
    sources: [...incident.sources],
    activeSources: [...incident.activeSources],
    counts: { ...incident.impact },
    ...(share
      ? {
          usernames,
          usernamesTruncated: incident.usersTruncated || incident.users.length > usernames.length,
        }
      : {}),
    links: {
      runbook: rule.runbookUrl,
      ...(alert.links.alarm === undefined ? {} : { alarm: alert.links.alarm }),
      ...(alert.links.insight === undefined ? {} : { insight: alert.links.insight }),
      ...(alert.links.traces === undefined ? {} : { traces: alert.links.traces }),
      ...(incident.slack
        ? { slackThread: { channel: incident.slack.channel, ts: incident.slack.rootTs } }
        : {}),
    },
  };
}
