/**
 * Trace summaries → per-user impact, in bounded memory whatever the trace count.
 *
 * Identity: the `username` annotation, which the cart functions set from a verified JWT (or
 * `anonymous`). X-Ray's `Users` field is only read when the annotation is absent, and such
 * traces are counted in `usersFieldFallbacks`, because `Users` comes from the segment's
 * `user` field, which any instrumented service may set without verifying anyone. A trace with
 * neither is "unattributed": that is where annotations lost on exceptions (the seed's bug)
 * show up. When a trace carries several username values (one per annotating service), the
 * first is used.
 *
 * Memory: at most `maxUsers` per-user counters (default 100,000, ~150 bytes each ≈ 15 MB);
 * users first seen after the cap is full are counted in `overflowRequests/overflowFaults`, so
 * totals stay exact and top-N is exact over the kept users. Pages arrive newest first, so the
 * kept users are the most recent ones. Root-cause services are capped the same way.
 *
 * Capture frequencies: how many kept users appear in exactly one and exactly two traces, which
 * is what the affected-user estimate under sampling extrapolates from (affected-estimate.ts).
 *
 * Root cause service: the last entry of each root cause's `Services` (the deepest service on
 * the path X-Ray blames), keyed by name and type.
 */
import type { TraceSummary } from '@aws-sdk/client-xray';
import type { AggregateTotals, RootCauseKind, UserImpact } from './enrichment';

export const DEFAULT_MAX_USERS = 100_000;
export const MAX_ROOT_CAUSE_KEYS = 1_000;
export const USERNAME_ANNOTATION = 'username';
export const ANONYMOUS = 'anonymous';

export interface AggregationOptions {
  maxUsers?: number;
  /** Example trace ids kept for the whole alert. */
  exampleTraces?: number;
}

interface UserCounter {
  requests: number;
  faults: number;
  errors: number;
  throttles: number;
  slowest: number;
  firstMs: number;
  lastMs: number;
  example: string | undefined;
  exampleIsFault: boolean;
}

interface RootCauseCounter {
  kind: RootCauseKind;
  service: string;
  type: string | undefined;
  traces: number;
}

export interface Aggregation {
  readonly maxUsers: number;
  readonly exampleTraces: number;
  readonly users: Map<string, UserCounter>;
  /** Per kind: service name → counters by service type. */
  readonly rootCauses: Record<RootCauseKind, Map<string, RootCauseCounter[]>>;
  rootCauseKeys: number;
  overflowRequests: number;
  overflowFaults: number;
  distinctUsersCapped: boolean;
  anonymousRequests: number;
  anonymousFaults: number;
  unattributedTraces: number;
  unattributedFaults: number;
  usersFieldFallbacks: number;
  totalTraces: number;
  faults: number;
  errors: number;
  throttles: number;
  firstMs: number;
  lastMs: number;
  readonly faultExamples: string[];
  readonly otherExamples: string[];
  /** Summaries X-Ray returned that were not usable (not an object, no trace id). */
  malformed: number;
}

/** The aggregation's result minus `users` (see {@link topUsers}). */
export type { AggregateTotals } from './enrichment';

export function createAggregation(options: AggregationOptions = {}): Aggregation {
  return {
    maxUsers: Math.max(0, options.maxUsers ?? DEFAULT_MAX_USERS),
    exampleTraces: Math.max(0, options.exampleTraces ?? 3),
    users: new Map(),
    rootCauses: { fault: new Map(), error: new Map(), responsetime: new Map() },
    rootCauseKeys: 0,
    overflowRequests: 0,
    overflowFaults: 0,
    distinctUsersCapped: false,
    anonymousRequests: 0,
    anonymousFaults: 0,
    unattributedTraces: 0,
    unattributedFaults: 0,
    usersFieldFallbacks: 0,
    totalTraces: 0,
    faults: 0,
    errors: 0,
    throttles: 0,
    firstMs: Number.POSITIVE_INFINITY,
    lastMs: Number.NEGATIVE_INFINITY,
    faultExamples: [],
    otherExamples: [],
    malformed: 0,
  };
}

/**
 * Adds one result page. `startingFromMs`: only summaries whose StartTime is at or after it
 * (how sub-windows partition a window: a trace active across a boundary is counted once, by the
 * sub-window it started in; see sub-windows.ts). A summary that is not an object or has no
 * trace id is counted in `malformed`, never aggregated.
 */
export function addSummaries(
  agg: Aggregation,
  summaries: readonly TraceSummary[],
  startingFromMs: number = Number.NEGATIVE_INFINITY,
): void {
  for (let i = 0; i < summaries.length; i++) {
    const summary = summaries[i];
    if (typeof summary !== 'object' || summary === null || typeof summary.Id !== 'string') {
      agg.malformed++;
      continue;
    }
    if (startingFromMs > Number.NEGATIVE_INFINITY && summary.StartTime instanceof Date) {
      if (summary.StartTime.getTime() < startingFromMs) continue;
    }
    addSummary(agg, summary);
  }
}

export function addSummary(agg: Aggregation, summary: TraceSummary): void {
  const fault = summary.HasFault === true;
  const error = summary.HasError === true;
  const throttle = summary.HasThrottle === true;
  // The SDK deserialises StartTime to a Date; anything else (a stand-in API answering with
  // a number) must not throw in the middle of a page, so it just goes without a time.
  const startMs = summary.StartTime instanceof Date ? summary.StartTime.getTime() : Number.NaN;
  const responseTime = summary.ResponseTime ?? summary.Duration ?? 0;
  const id = summary.Id;

  agg.totalTraces++;
  if (fault) agg.faults++;
  if (error) agg.errors++;
  if (throttle) agg.throttles++;
  if (startMs < agg.firstMs) agg.firstMs = startMs;
  if (startMs > agg.lastMs) agg.lastMs = startMs;
  if (id !== undefined) keepExample(agg, id, fault);
  if (summary.FaultRootCauses !== undefined) countRootCauses(agg, 'fault', summary.FaultRootCauses);
  if (summary.ErrorRootCauses !== undefined) countRootCauses(agg, 'error', summary.ErrorRootCauses);
  // X-Ray gives every trace a slowest path; for a trace that failed it only repeats the
  // fault's culprit, so latency causes are counted for traces that did not fail.
  if (summary.ResponseTimeRootCauses !== undefined && !fault && !error) {
    countRootCauses(agg, 'responsetime', summary.ResponseTimeRootCauses);
  }

  let username = usernameAnnotation(summary);
  if (username === undefined) {
    username = summary.Users?.[0]?.UserName || undefined;
    if (username !== undefined) agg.usersFieldFallbacks++;
  }
  if (username === undefined) {
    agg.unattributedTraces++;
    if (fault) agg.unattributedFaults++;
    return;
  }
  if (username === ANONYMOUS) {
    agg.anonymousRequests++;
    if (fault) agg.anonymousFaults++;
    return;
  }

  let user = agg.users.get(username);
  if (user === undefined) {
    if (agg.users.size >= agg.maxUsers) {
      agg.distinctUsersCapped = true;
      agg.overflowRequests++;
      if (fault) agg.overflowFaults++;
      return;
    }
    user = {
      requests: 0,
      faults: 0,
      errors: 0,
      throttles: 0,
      slowest: 0,
      firstMs: Number.POSITIVE_INFINITY,
      lastMs: Number.NEGATIVE_INFINITY,
      example: undefined,
      exampleIsFault: false,
    };
    agg.users.set(username, user);
  }
  user.requests++;
  if (fault) user.faults++;
  if (error) user.errors++;
  if (throttle) user.throttles++;
  if (responseTime > user.slowest) user.slowest = responseTime;
  if (startMs < user.firstMs) user.firstMs = startMs;
  if (startMs > user.lastMs) user.lastMs = startMs;
  if (id !== undefined && (user.example === undefined || (fault && !user.exampleIsFault))) {
    user.example = id;
    user.exampleIsFault = fault;
  }
}

/** The first value of the `username` annotation, as a string; undefined when absent or empty. */
function usernameAnnotation(summary: TraceSummary): string | undefined {
  const value = summary.Annotations?.[USERNAME_ANNOTATION]?.[0]?.AnnotationValue;
  if (value === undefined) return undefined;
  if (value.StringValue !== undefined) return value.StringValue === '' ? undefined : value.StringValue;
  if (value.NumberValue !== undefined) return String(value.NumberValue);
  if (value.BooleanValue !== undefined) return String(value.BooleanValue);
  return undefined;
}

function keepExample(agg: Aggregation, id: string, fault: boolean): void {
  const list = fault ? agg.faultExamples : agg.otherExamples;
  if (list.length < agg.exampleTraces) list.push(id);
}

interface RootCauseLike {
  Services?: { Name?: string | undefined; Type?: string | undefined }[] | undefined;
}

function countRootCauses(agg: Aggregation, kind: RootCauseKind, causes: readonly RootCauseLike[]): void {
  // Usually one cause per trace; with several, a service named twice counts once per trace.
  let counted: RootCauseCounter[] | undefined;
  for (let i = 0; i < causes.length; i++) {
    const services = causes[i]!.Services;
    const service = services?.[services.length - 1];
    if (service?.Name === undefined) continue;
    const counter = rootCauseCounter(agg, kind, service.Name, service.Type);
    if (counter === undefined) continue;
    if (causes.length > 1) {
      if (counted?.includes(counter)) continue;
      (counted ??= []).push(counter);
    }
    counter.traces++;
  }
}

/** The counter for (kind, name, type), created while under the cap; no key string is built. */
function rootCauseCounter(
  agg: Aggregation,
  kind: RootCauseKind,
  name: string,
  type: string | undefined,
): RootCauseCounter | undefined {
  const byName = agg.rootCauses[kind];
  let list = byName.get(name);
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) if (list[i]!.type === type) return list[i];
  }
  if (agg.rootCauseKeys >= MAX_ROOT_CAUSE_KEYS) return undefined;
  agg.rootCauseKeys++;
  const counter: RootCauseCounter = { kind, service: name, type, traces: 0 };
  if (list === undefined) byName.set(name, (list = []));
  list.push(counter);
  return counter;
}

/** Impact order: faults desc, then requests desc, then slowest desc; username breaks ties. */
export function compareImpact(a: UserImpact, b: UserImpact): number {
  return (
    b.faults - a.faults ||
    b.requests - a.requests ||
    b.slowestSeconds - a.slowestSeconds ||
    (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)
  );
}

/**
 * The `n` most affected kept users, exactly, in O(users × log n) with O(n) extra memory: a
 * sorted buffer of the best n so far, entered by binary search only when a user beats the worst.
 */
export function topUsers(agg: Aggregation, n: number): UserImpact[] {
  const best: UserImpact[] = [];
  if (n <= 0) return best;
  for (const [username, c] of agg.users) {
    const worst = best[best.length - 1];
    if (best.length === n && worst !== undefined && !beats(c, username, worst)) continue;
    const candidate = toImpact(username, c);
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareImpact(best[mid]!, candidate) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, candidate);
    if (best.length > n) best.pop();
  }
  return best;
}

/** `compareImpact(candidate, worst) < 0` without allocating the candidate first. */
function beats(c: UserCounter, username: string, worst: UserImpact): boolean {
  if (c.faults !== worst.faults) return c.faults > worst.faults;
  if (c.requests !== worst.requests) return c.requests > worst.requests;
  if (c.slowest !== worst.slowestSeconds) return c.slowest > worst.slowestSeconds;
  return username < worst.username;
}

function toImpact(username: string, c: UserCounter): UserImpact {
  return {
    username,
    requests: c.requests,
    faults: c.faults,
    errors: c.errors,
    throttles: c.throttles,
    slowestSeconds: c.slowest,
    firstSeen: Number.isFinite(c.firstMs) ? new Date(c.firstMs) : undefined,
    lastSeen: Number.isFinite(c.lastMs) ? new Date(c.lastMs) : undefined,
    exampleTraceId: c.example,
  };
}

export function totals(agg: Aggregation): AggregateTotals {
  let usersSeenOnce = 0;
  let usersSeenTwice = 0;
  for (const counter of agg.users.values()) {
    if (counter.requests === 1) usersSeenOnce++;
    else if (counter.requests === 2) usersSeenTwice++;
  }
  const rootCauses = (['fault', 'error', 'responsetime'] as const)
    .flatMap((kind) => [...agg.rootCauses[kind].values()].flat())
    .filter((r) => r.traces > 0)
    .sort((a, b) => b.traces - a.traces || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))
    .map((r) => ({ ...r }));
  const exampleTraceIds = [...agg.faultExamples, ...agg.otherExamples].slice(0, agg.exampleTraces);
  return {
    distinctUsers: agg.users.size,
    distinctUsersCapped: agg.distinctUsersCapped,
    usersSeenOnce,
    usersSeenTwice,
    overflowRequests: agg.overflowRequests,
    overflowFaults: agg.overflowFaults,
    anonymousRequests: agg.anonymousRequests,
    anonymousFaults: agg.anonymousFaults,
    unattributedTraces: agg.unattributedTraces,
    unattributedFaults: agg.unattributedFaults,
    usersFieldFallbacks: agg.usersFieldFallbacks,
    totalTraces: agg.totalTraces,
    faults: agg.faults,
    errors: agg.errors,
    throttles: agg.throttles,
    rootCauses,
    exampleTraceIds,
    firstSeen: Number.isFinite(agg.firstMs) ? new Date(agg.firstMs) : undefined,
    lastSeen: Number.isFinite(agg.lastMs) ? new Date(agg.lastMs) : undefined,
  };
}
