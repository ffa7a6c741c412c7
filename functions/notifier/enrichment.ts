/**
 * What enrichment found out about an alert's users. `status` says how far to trust it:
 * `complete` (every trace in the window read), `partial` (still reading, or stopped at
 * `maxTraces`: `progress.end` says which), `failed` (X-Ray said no, or answered nothing
 * usable; the page still goes out with "users unknown").
 */
import type { AffectedEstimate } from './affected-estimate';

export type EnrichmentStatus = 'complete' | 'partial' | 'failed';

/** Why reading stopped: every trace read, the trace cap, an X-Ray error, or not yet (`reading`). */
export type EnrichmentEnd = 'complete' | 'max-traces' | 'error';

export interface EnrichmentProgress {
  /** Sub-windows of the query window (sub-windows.ts) and how many were read to their end. */
  slices: number;
  slicesRead: number;
  end: EnrichmentEnd | 'reading';
  calls: number;
  throttled: number;
  /** Invocations that have read so far (1 for the first). */
  invocations: number;
}

export interface UserImpact {
  username: string;
  requests: number;
  faults: number;
  errors: number;
  throttles: number;
  /** Slowest response time of this user's traces, in seconds (X-Ray's unit). */
  slowestSeconds: number;
  firstSeen: Date | undefined;
  lastSeen: Date | undefined;
  /** A faulted trace when there was one, else the newest. */
  exampleTraceId: string | undefined;
}

export type RootCauseKind = 'fault' | 'error' | 'responsetime';

export interface RootCauseCount {
  kind: RootCauseKind;
  service: string;
  type: string | undefined;
  /** Traces naming this service as the root cause (each trace counted once per kind). */
  traces: number;
}

/** The exact GetTraceSummaries parameters: a NextToken is only valid with the same ones. */
export interface TraceQuery {
  startTime: Date;
  endTime: Date;
  filterExpression: string;
  timeRangeType: 'Event' | 'TraceId';
}

/** What the aggregation counts over the trace summaries it read (see aggregate.ts). */
export interface AggregateTotals {
  /** Distinct registered users seen (exact up to the cap; see `distinctUsersCapped`). */
  distinctUsers: number;
  /** True when more distinct users appeared than the aggregator keeps; counts below still add up. */
  distinctUsersCapped: boolean;
  /** Kept users seen in exactly one / exactly two traces (the estimate's f1 and f2). */
  usersSeenOnce: number;
  usersSeenTwice: number;
  /** Requests and faults of users beyond the cap (not in `users`, not in `distinctUsers`). */
  overflowRequests: number;
  overflowFaults: number;
  anonymousRequests: number;
  anonymousFaults: number;
  /** Traces with no username annotation (and no `Users` entry): the lost-annotation bug shows here. */
  unattributedTraces: number;
  unattributedFaults: number;
  /** Traces attributed through the `Users` field because the annotation was absent. */
  usersFieldFallbacks: number;
  totalTraces: number;
  faults: number;
  errors: number;
  throttles: number;
  rootCauses: RootCauseCount[];
  exampleTraceIds: string[];
  firstSeen: Date | undefined;
  lastSeen: Date | undefined;
}

export interface Enrichment extends AggregateTotals {
  status: EnrichmentStatus;
  /** Why it is partial or failed, in words fit for the page. */
  reason: string | undefined;
  query: TraceQuery;
  /** Top users by impact: faults desc, then requests, then slowest response. */
  users: UserImpact[];
  /** Sum of X-Ray's TracesProcessedCount over the pages read (includes non-matching traces). */
  tracesProcessed: number;
  pages: number;
  /** Absent on enrichments recorded before progress was kept. */
  progress?: EnrichmentProgress | undefined;
  /** Summaries X-Ray returned that could not be used (not an object, no trace id). */
  malformed?: number | undefined;
  /**
   * How many users were affected, estimated from the users seen, when fewer than all requests
   * are traced (affected-estimate.ts); undefined at full sampling, after a failed enrichment,
   * or when more users were seen than the aggregation counts by name.
   */
  estimate?: AffectedEstimate | undefined;
}
