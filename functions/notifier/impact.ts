/** Enrichment → the figures an incident keeps (peak across its events; see incidents/model.ts). */
import type { Impact, ImpactEstimate } from '../shared/incidents/model';
import type { AffectedEstimate } from './affected-estimate';
import type { Enrichment } from './enrichment';

export function impactOf(enrichment: Enrichment): Impact {
  return {
    affectedUsers: enrichment.distinctUsers,
    anonymousRequests: enrichment.anonymousRequests,
    unattributedTraces: enrichment.unattributedTraces,
    totalTraces: enrichment.totalTraces,
    faults: enrichment.faults,
    // Failed enrichment reads as zero users: flag it, so nobody takes it for "nobody affected".
    partial: enrichment.status !== 'complete',
    ...(enrichment.estimate ? { estimate: estimateOf(enrichment.estimate) } : {}),
  };
}

function estimateOf(estimate: AffectedEstimate): ImpactEstimate {
  const { seen, estimate: point, low, high, samplingRate } = estimate;
  return { seen, estimate: point, low, high, samplingRate };
}

export function usernamesOf(enrichment: Enrichment): string[] {
  return enrichment.users.map((u) => u.username);
}
