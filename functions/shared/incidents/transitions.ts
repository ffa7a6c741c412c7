/**
 * Incident state changes as pure functions of (incident, event, time). The store applies
 * them under optimistic locking; tests exercise them without a table.
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

export type FiringDecision = 'attach' | 'reopen' | 'open';

/**
 * An open incident absorbs the event; a resolved one reopens if the event comes within the
 * reopen window (a flapping alarm stays one thread); otherwise a new incident opens.
 */
export function decideFiring(
  current: Incident | undefined,
  at: Date,
  reopenWindowMs: number,
): FiringDecision {
  if (!current) return 'open';
  if (current.state === 'open') return 'attach';
  const resolvedAt = current.resolvedAt ? Date.parse(current.resolvedAt) : Number.NEGATIVE_INFINITY;
  return at.getTime() - resolvedAt <= reopenWindowMs ? 'reopen' : 'open';
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

export function attachFiring(incident: Incident, event: FiringEvent): Incident {
  const merged = mergeUsers(incident.users, event.users ?? [], incident.usersTruncated);
  return {
    ...incident,
    activeSources: addOnce(incident.activeSources, event.source),
    sources: addOnce(incident.sources, event.source),
    lastEventAt: later(incident.lastEventAt, event.at),
    impact: event.impact ? mergeImpact(incident.impact, event.impact) : incident.impact,
    ...merged,
    version: incident.version + 1,
  };
}

export function reopenIncident(incident: Incident, event: FiringEvent): Incident {
  const { resolvedAt: _resolved, ...rest } = attachFiring(incident, event);
  return { ...rest, state: 'open', reopenedCount: incident.reopenedCount + 1 };
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

function addOnce<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? [...list] : [...list, item];
}

function later(iso: string, at: Date): string {
  return Date.parse(iso) >= at.getTime() ? iso : at.toISOString();
}
