/**
 * Incidents that started before the period and were still open at its end. They are counted
 * in the period they started (once), but a manager reading this week's digest must still
 * see that something from last week is not fixed — even in an otherwise quiet week.
 *
 * Read through each rule's current-incident pointer (one GetItem per rule, at most 25): a
 * rule's earlier incidents are resolved by construction, so no scan is needed.
 */
import type { Incident } from '../shared/incidents/model';
import type { DigestPeriod } from './period';

export interface CurrentIncidentSource {
  findCurrent(ruleId: string): Promise<Incident | undefined>;
}

export async function carriedOverIncidents(
  source: CurrentIncidentSource,
  ruleIds: readonly string[],
  period: Pick<DigestPeriod, 'start' | 'end'>,
): Promise<Incident[]> {
  const current = await Promise.all(ruleIds.map((id) => source.findCurrent(id)));
  return current.filter((incident): incident is Incident => {
    if (!incident || incident.test) return false;
    const startedBefore = Date.parse(incident.firstFiredAt) < period.start.getTime();
    const openAtEnd =
      incident.state === 'open' ||
      (incident.resolvedAt !== undefined && Date.parse(incident.resolvedAt) >= period.end.getTime());
    return startedBefore && openAtEnd;
  });
}
