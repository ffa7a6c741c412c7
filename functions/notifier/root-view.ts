/**
 * The thread root as it should read now: the page that became the root (kept as a snapshot
 * with the root's delivery record), shown in the incident's current state and span. One
 * renderer for every root write (the first post, a resolve, a reopen, a late correction, an
 * incident closed by another's quiet proof), so the root never depends on which event
 * happens to rewrite it.
 *
 * The snapshot is the root page's Alert and Enrichment as JSON (Dates revived by key); both
 * are bounded (top users, example traces), far under DynamoDB's item limit.
 */
import type { Rule } from '../../rules/schema';
import type { SlackMessage } from '../../templates/slack-alert';
import type { Incident } from '../shared/incidents/model';
import type { Alert } from './alert';
import type { Enrichment } from './enrichment';
import { renderPage, type RenderedPage } from './render';
import { rootActions, type RootActionsSource } from './root-actions';

export interface RootSnapshot {
  alert: Alert;
  enrichment: Enrichment;
}

export type RootIncident = Pick<Incident, 'state' | 'firstFiredAt' | 'resolvedAt'> &
  Partial<Pick<Incident, 'decidedSeverity' | 'severityReason'>>;

/** The severity decided from the impact, as the page shows it (impact-severity.ts). */
function decided(incident: RootIncident) {
  return incident.decidedSeverity && incident.severityReason
    ? { severity: incident.decidedSeverity, reason: incident.severityReason }
    : undefined;
}

/** What the root shows of an incident: its span, and what responders did (root-actions.ts). */
export type RootIncidentView = RootIncident & RootActionsSource;

/** The alert as the root shows it: resolved with the incident's whole span, or firing. */
export function rootAlert(alert: Alert, incident: RootIncident): Alert {
  if (incident.state === 'resolved') {
    const end = new Date(incident.resolvedAt ?? alert.changedAt);
    return { ...alert, state: 'resolved', window: { start: new Date(incident.firstFiredAt), end } };
  }
  const start = Math.min(alert.window.start.getTime(), Date.parse(incident.firstFiredAt));
  // The root is the incident's first page: FIRING while open, whichever event posted it (an
  // Insight's later event reads "updated" on its own, never on the page that opens a thread).
  return { ...alert, state: 'firing', window: { start: new Date(start), end: undefined } };
}

export function renderRoot(
  snapshot: RootSnapshot,
  incident: RootIncidentView,
  rule: Rule,
  options: { now: Date; samplingRate?: number | undefined },
): SlackMessage {
  return renderPage(rootAlert(snapshot.alert, incident), rule, snapshot.enrichment, {
    ...options,
    severity: decided(incident),
    // Root actions (templates/slack-actions.ts): responders' status and buttons, from the record.
    actions: rootActions(incident, rule, snapshot.alert),
  }).slack;
}

/** The page email (one per incident, its first page): FIRING, or RESOLVED if already over. */
export function pageEmail(
  snapshot: RootSnapshot,
  incident: RootIncident,
  rule: Rule,
  options: { now: Date; samplingRate?: number | undefined },
): RenderedPage['email'] {
  return renderPage(rootAlert(snapshot.alert, incident), rule, snapshot.enrichment, {
    ...options,
    severity: decided(incident),
  }).email;
}

const DATE_KEYS = new Set([
  'eventTime',
  'changedAt',
  'start',
  'end',
  'enteredAlarmAt',
  'previousChangedAt',
  'startTime',
  'endTime',
  'firstSeen',
  'lastSeen',
]);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function encodeSnapshot(snapshot: RootSnapshot): string {
  return JSON.stringify(snapshot);
}

export function decodeSnapshot(text: string): RootSnapshot {
  return JSON.parse(text, revive) as RootSnapshot;
}

export function encodeEnrichment(enrichment: Enrichment): string {
  return JSON.stringify(enrichment);
}

export function decodeEnrichment(text: string): Enrichment {
  return JSON.parse(text, revive) as Enrichment;
}

function revive(key: string, value: unknown): unknown {
  return DATE_KEYS.has(key) && typeof value === 'string' && ISO.test(value) ? new Date(value) : value;
}

/**
 * Whether `incoming` should replace what the root shows: the same event's later progress, or
 * an enrichment that read at least as many traces (a resolve's window covers the whole
 * incident). A failed one never replaces a usable one.
 */
export function betterInformed(
  current: { eventId: string; enrichment: Enrichment },
  incoming: { eventId: string; enrichment: Enrichment },
): boolean {
  if (incoming.enrichment.status === 'failed' && current.enrichment.status !== 'failed') return false;
  if (incoming.eventId === current.eventId) return true;
  return incoming.enrichment.totalTraces >= current.enrichment.totalTraces;
}
