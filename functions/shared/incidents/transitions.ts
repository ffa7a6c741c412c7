/**
 * Incidents built from scripts without a table (the digest's goldens and previews): open
 * one, clear a source. The notifier decides incidents on the rule's ledger (decide.ts).
 */
import { EMPTY_IMPACT, mergeImpact, mergeUsers, type AlertSource, type Impact, type Incident } from './model';

export interface FiringEvent {
  ruleId: string;
  severity: Incident['severity'];
  title: string;
  source: AlertSource;
  at: Date;
  test: boolean;
  silenced: boolean;
  impact?: Impact;
  users?: readonly string[];
}

export function incidentId(ruleId: string, at: Date, test: boolean): string {
  return `${ruleId}@${at.toISOString()}${test ? '#test' : ''}`;
}

export function openIncident(event: FiringEvent): Incident {
  const at = event.at.toISOString();
  const { users, usersTruncated } = mergeUsers([], event.users ?? [], false);
  return {
    id: incidentId(event.ruleId, event.at, event.test),
    ruleId: event.ruleId,
    severity: event.severity,
    title: event.title,
    test: event.test,
    state: 'open',
    activeSources: [event.source],
    sources: [event.source],
    firstFiredAt: at,
    lastEventAt: at,
    reopenedCount: 0,
    silenced: event.silenced,
    impact: event.impact ?? EMPTY_IMPACT,
    users,
    usersTruncated,
    version: 1,
  };
}

/** A source cleared (alarm OK, Insight CLOSED); the incident resolves when none is left. */
export function clearSource(incident: Incident, source: AlertSource, at: Date): Incident {
  const activeSources = incident.activeSources.filter((s) => s !== source);
  const resolved = activeSources.length === 0;
  return {
    ...incident,
    activeSources,
    state: resolved ? 'resolved' : incident.state,
    ...(resolved ? { resolvedAt: at.toISOString() } : {}),
    lastEventAt: later(incident.lastEventAt, at),
    version: incident.version + 1,
  };
}

export function recordImpact(incident: Incident, impact: Impact, users: readonly string[]): Incident {
  return {
    ...incident,
    impact: mergeImpact(incident.impact, impact),
    ...mergeUsers(incident.users, users, incident.usersTruncated),
    version: incident.version + 1,
  };
}

function later(iso: string, at: Date): string {
  return Date.parse(iso) >= at.getTime() ? iso : at.toISOString();
}
