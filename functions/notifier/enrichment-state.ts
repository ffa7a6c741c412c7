/**
 * An enrichment in progress, as one JSON document: enough to continue it in another invocation
 * (the deferral queue brings the event back; process-event.ts `enrichStage`). Kept in the
 * event's `enrichment` delivery record, so it must fit a DynamoDB item (400 KB) whatever the
 * trace count:
 *
 * | part                    | size                                  | exact?                          |
 * |-------------------------|---------------------------------------|---------------------------------|
 * | cursor                  | next sub-window + the open ones' tokens (≤ the worker count) | yes |
 * | totals, root causes     | fixed / ≤ 1,000 keys (a few kept)     | yes (counts add: sub-windows    |
 * |                         |                                       | partition the traces)           |
 * | users with counters     | the CARRY_USERS most affected         | yes up to CARRY_USERS users     |
 * | every username, sketched| HyperLogLog, 2^12 one-byte registers  | ±1.6 % (one standard error)     |
 *
 * Beyond CARRY_USERS distinct users the least affected users' counters are folded into the
 * overflow counts (so totals stay exact) and the distinct count comes from the sketch; the page
 * then says "+" as for the in-memory cap (aggregate.ts). A user folded out and seen again later
 * starts a new counter: top users stay exact for users hit in one invocation, a lower bound for
 * the others. Rejected: several items per state (every save would rewrite megabytes), S3 (one
 * more service for a footnote's precision).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { createAggregation, type Aggregation } from './aggregate';
import type { RootCauseKind, TraceQuery } from './enrichment';

export const CARRY_USERS = 2_000;
const HLL_BITS = 12;
const HLL_REGISTERS = 1 << HLL_BITS;

const userRow = z.tuple([
  z.string(), // username
  z.number(), // requests
  z.number(), // faults
  z.number(), // errors
  z.number(), // throttles
  z.number(), // slowest (s)
  z.number().nullable(), // first seen (ms)
  z.number().nullable(), // last seen (ms)
  z.string().nullable(), // example trace
  z.boolean(), // example is a fault
]);

export const enrichmentStateSchema = z.object({
  v: z.literal(1),
  query: z.object({
    startTime: z.string(),
    endTime: z.string(),
    filterExpression: z.string(),
    timeRangeType: z.enum(['Event', 'TraceId']),
  }),
  slices: z.number().int().min(1),
  /** First sub-window never started. */
  next: z.number().int().min(0),
  /** Started, not finished: where each goes on. */
  open: z.array(z.object({ index: z.number().int().min(0), token: z.string() })),
  pages: z.number().int().min(0),
  calls: z.number().int().min(0),
  throttled: z.number().int().min(0),
  tracesProcessed: z.number().min(0),
  invocations: z.number().int().min(1),
  counts: z.record(z.string(), z.number()),
  rootCauses: z.array(
    z.object({
      kind: z.enum(['fault', 'error', 'responsetime']),
      service: z.string(),
      type: z.string().optional(),
      traces: z.number(),
    }),
  ),
  faultExamples: z.array(z.string()),
  otherExamples: z.array(z.string()),
  users: z.array(userRow),
  /** Users were folded out at some save: the distinct count is the sketch's. */
  folded: z.boolean(),
  hll: z.string(),
});
export type EnrichmentState = z.infer<typeof enrichmentStateSchema>;

const COUNT_KEYS = [
  'overflowRequests',
  'overflowFaults',
  'anonymousRequests',
  'anonymousFaults',
  'unattributedTraces',
  'unattributedFaults',
  'usersFieldFallbacks',
  'totalTraces',
  'faults',
  'errors',
  'throttles',
  'firstMs',
  'lastMs',
  'malformed',
  'rootCauseKeys',
] as const;

export interface Cursor {
  slices: number;
  next: number;
  open: Array<{ index: number; token: string }>;
  pages: number;
  calls: number;
  throttled: number;
  tracesProcessed: number;
  invocations: number;
}

/** The aggregation and cursor as a state document (folding users beyond CARRY_USERS). */
export function saveState(
  agg: Aggregation,
  query: TraceQuery,
  cursor: Cursor,
  carried: { hll: Uint8Array; folded: boolean },
): EnrichmentState {
  const hll = new Uint8Array(carried.hll);
  for (const name of agg.users.keys()) hllAdd(hll, name);
  const ranked = [...agg.users].sort(
    ([an, a], [bn, b]) =>
      b.faults - a.faults || b.requests - a.requests || b.slowest - a.slowest || (an < bn ? -1 : 1),
  );
  const kept = ranked.slice(0, CARRY_USERS);
  const counts: Record<string, number> = {};
  for (const key of COUNT_KEYS) counts[key] = finiteOr(agg[key], key === 'firstMs' ? 1e300 : -1e300);
  for (const [, c] of ranked.slice(CARRY_USERS)) {
    counts['overflowRequests']! += c.requests;
    counts['overflowFaults']! += c.faults;
  }
  return {
    v: 1,
    query: {
      startTime: query.startTime.toISOString(),
      endTime: query.endTime.toISOString(),
      filterExpression: query.filterExpression,
      timeRangeType: query.timeRangeType,
    },
    ...cursor,
    counts,
    rootCauses: (['fault', 'error', 'responsetime'] as const).flatMap((kind) =>
      [...agg.rootCauses[kind].values()].flat().map((r) => ({
        kind: r.kind,
        service: r.service,
        ...(r.type === undefined ? {} : { type: r.type }),
        traces: r.traces,
      })),
    ),
    faultExamples: [...agg.faultExamples],
    otherExamples: [...agg.otherExamples],
    users: kept.map(([name, c]) => [
      name,
      c.requests,
      c.faults,
      c.errors,
      c.throttles,
      c.slowest,
      Number.isFinite(c.firstMs) ? c.firstMs : null,
      Number.isFinite(c.lastMs) ? c.lastMs : null,
      c.example ?? null,
      c.exampleIsFault,
    ]),
    folded: carried.folded || ranked.length > CARRY_USERS || agg.distinctUsersCapped,
    hll: Buffer.from(hll).toString('base64'),
  };
}

/** The aggregation a state document describes, ready to read on. */
export function loadState(
  state: EnrichmentState,
  options: { maxUsers?: number | undefined; exampleTraces: number },
): { agg: Aggregation; query: TraceQuery; cursor: Cursor; hll: Uint8Array; folded: boolean } {
  const agg = createAggregation({ maxUsers: options.maxUsers, exampleTraces: options.exampleTraces });
  const mutable = agg as unknown as Record<string, number>;
  for (const key of COUNT_KEYS) {
    const value = state.counts[key];
    if (value !== undefined)
      mutable[key] = Math.abs(value) >= 1e300 ? (value > 0 ? Infinity : -Infinity) : value;
  }
  agg.distinctUsersCapped = state.folded;
  for (const r of state.rootCauses) {
    const byName = agg.rootCauses[r.kind as RootCauseKind];
    const list = byName.get(r.service) ?? [];
    list.push({ kind: r.kind, service: r.service, type: r.type, traces: r.traces });
    byName.set(r.service, list);
  }
  agg.faultExamples.push(...state.faultExamples);
  agg.otherExamples.push(...state.otherExamples);
  for (const [
    name,
    requests,
    faults,
    errors,
    throttles,
    slowest,
    first,
    last,
    example,
    isFault,
  ] of state.users) {
    agg.users.set(name, {
      requests,
      faults,
      errors,
      throttles,
      slowest,
      firstMs: first ?? Number.POSITIVE_INFINITY,
      lastMs: last ?? Number.NEGATIVE_INFINITY,
      example: example ?? undefined,
      exampleIsFault: isFault,
    });
  }
  const { slices, next, open, pages, calls, throttled, tracesProcessed, invocations } = state;
  return {
    agg,
    query: {
      startTime: new Date(state.query.startTime),
      endTime: new Date(state.query.endTime),
      filterExpression: state.query.filterExpression,
      timeRangeType: state.query.timeRangeType,
    },
    cursor: { slices, next, open, pages, calls, throttled, tracesProcessed, invocations },
    hll: new Uint8Array(Buffer.from(state.hll, 'base64')),
    folded: state.folded,
  };
}

export function emptySketch(): Uint8Array {
  return new Uint8Array(HLL_REGISTERS);
}

/** Distinct users: the sketch of earlier invocations merged with the users in memory now. */
export function sketchedDistinct(carried: Uint8Array, agg: Aggregation): number {
  const hll = new Uint8Array(carried);
  for (const name of agg.users.keys()) hllAdd(hll, name);
  return hllEstimate(hll);
}

function hllAdd(registers: Uint8Array, value: string): void {
  const digest = createHash('sha1').update(value).digest();
  const word = digest.readUInt32BE(0);
  const index = word >>> (32 - HLL_BITS);
  const rest = (word << HLL_BITS) | (1 << (HLL_BITS - 1));
  const rank = Math.clz32(rest) + 1;
  if (rank > registers[index]!) registers[index] = rank;
}

/** HyperLogLog (Flajolet et al. 2007) with the small-range (linear counting) correction. */
export function hllEstimate(registers: Uint8Array): number {
  const m = registers.length;
  let sum = 0;
  let zeros = 0;
  for (const r of registers) {
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / m);
  const raw = (alpha * m * m) / sum;
  if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
  return Math.round(raw);
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}
