/**
 * Notifier enrichment: how fast and how small the per-user aggregation of GetTraceSummaries
 * results is.
 *
 * - Throughput: summaries aggregated per second (200k per call, 20k distinct users), including
 *   the final top-20 and totals. Baseline, same run: a naive aggregation, one unbounded Map
 *   entry per user that also keeps every trace id, then a full sort for the top 20.
 * - Heap growth: 1M freshly allocated summaries (pages of 1,000, as the SDK would deliver
 *   them) from 200k distinct users, past the 100k-user cap. Measured as heapUsed after a full
 *   GC with the aggregation still referenced, minus heapUsed after GC before it started. GC is
 *   `global.gc` when node runs with --expose-gc (e.g. NODE_OPTIONS=--expose-gc), else exposed
 *   at runtime through V8's flag; if neither works the figure is the peak of heapUsed sampled
 *   once per page, and its name says so. Baseline (full runs only): the naive aggregation on
 *   the same input.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TraceSummary } from '@aws-sdk/client-xray';
import {
  addSummaries,
  compareImpact,
  createAggregation,
  DEFAULT_MAX_USERS,
  topUsers,
  totals,
} from '../functions/notifier/aggregate';
import type { UserImpact } from '../functions/notifier/enrichment';
import { seededRandom } from '../functions/notifier/test-support';
import { opsPerSecond, type BenchFigure, type BenchSuite } from './harness';

const HEAP_SUMMARIES = 1_000_000;
const PAGE = 1_000;
const MB = 1024 * 1024;
const BASE_EPOCH_MS = 1_704_110_400_000;

const ROOT_CAUSE = [
  { Services: [{ Name: 'cart-api' }, { Name: 'cart-table', Type: 'AWS::DynamoDB::Table' }] },
];

/**
 * A trace summary as the SDK hands it over: a fresh object with fresh strings (username and
 * trace id are new allocations, as after JSON parsing), so retained-heap figures are honest.
 */
function makeSummary(i: number, distinctUsers: number, next: () => number, start?: Date): TraceSummary {
  const r = next();
  const fault = next() < 0.1;
  const user = r < 0.05 ? 'anonymous' : r < 0.06 ? undefined : 'user-' + Math.floor(next() * distinctUsers);
  return {
    Id: '1-65929f40-' + (i + 1).toString(16).padStart(24, '0'),
    StartTime: start ?? new Date(BASE_EPOCH_MS + i),
    Duration: 0.05,
    ResponseTime: Math.round(next() * 3_000) / 1_000,
    HasFault: fault,
    HasError: next() < 0.05,
    HasThrottle: false,
    Annotations:
      user === undefined
        ? { generated_cart: [{ AnnotationValue: { BooleanValue: false } }] }
        : { username: [{ AnnotationValue: { StringValue: user } }] },
    ...(fault && { FaultRootCauses: ROOT_CAUSE }),
  };
}

function pool(size: number, distinctUsers: number): TraceSummary[] {
  const next = seededRandom(42);
  return Array.from({ length: size }, (_, i) => makeSummary(i, distinctUsers, next));
}

/** Ours: bounded aggregation, top 20 and totals. */
function aggregateBounded(source: readonly TraceSummary[], count: number): number {
  const agg = createAggregation({ exampleTraces: 3 });
  for (let done = 0; done < count; done += source.length) {
    addSummaries(agg, source.length <= count - done ? source : source.slice(0, count - done));
  }
  return topUsers(agg, 20).length + totals(agg).totalTraces;
}

interface NaiveUser {
  requests: number;
  faults: number;
  errors: number;
  throttles: number;
  slowest: number;
  traceIds: string[];
}

/** The obvious version: a Map entry per user with every trace id, a full sort at the end. */
function createNaive(): Map<string, NaiveUser> {
  return new Map();
}

function addNaive(users: Map<string, NaiveUser>, summaries: readonly TraceSummary[]): void {
  for (const s of summaries) {
    const name = s.Annotations?.['username']?.[0]?.AnnotationValue?.StringValue ?? s.Users?.[0]?.UserName;
    if (name === undefined || name === 'anonymous') continue;
    let u = users.get(name);
    if (!u) {
      u = { requests: 0, faults: 0, errors: 0, throttles: 0, slowest: 0, traceIds: [] };
      users.set(name, u);
    }
    u.requests++;
    if (s.HasFault) u.faults++;
    if (s.HasError) u.errors++;
    if (s.HasThrottle) u.throttles++;
    u.slowest = Math.max(u.slowest, s.ResponseTime ?? 0);
    if (s.Id) u.traceIds.push(s.Id);
  }
}

function topNaive(users: Map<string, NaiveUser>, n: number): UserImpact[] {
  return [...users]
    .map(([username, u]) => ({
      username,
      requests: u.requests,
      faults: u.faults,
      errors: u.errors,
      throttles: u.throttles,
      slowestSeconds: u.slowest,
      firstSeen: undefined,
      lastSeen: undefined,
      exampleTraceId: u.traceIds[0],
    }))
    .sort(compareImpact)
    .slice(0, n);
}

function aggregateNaive(source: readonly TraceSummary[], count: number): number {
  const users = createNaive();
  for (let done = 0; done < count; done += source.length) {
    addNaive(users, source.length <= count - done ? source : source.slice(0, count - done));
  }
  return topNaive(users, 20).length;
}

function findGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

interface HeapFigure {
  bytes: number;
  method: 'gc' | 'peak';
}

/** Heap retained by an aggregation of `count` fresh summaries from `distinctUsers` users. */
function heapGrowth<S>(
  create: () => S,
  add: (state: S, page: TraceSummary[]) => void,
  count: number,
  distinctUsers: number,
): HeapFigure {
  const gc = findGc();
  const next = seededRandom(7);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const state = create();
  for (let i = 0; i < count; i += PAGE) {
    const page: TraceSummary[] = [];
    // One Date per page: the aggregation keeps numbers, never the Date, so sharing it changes
    // no retained figure and halves generation time.
    const start = new Date(BASE_EPOCH_MS + i);
    for (let j = i; j < i + PAGE; j++) page.push(makeSummary(j, distinctUsers, next, start));
    add(state, page);
    if (!gc) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  if (!gc) return { bytes: peak - before, method: 'peak' };
  gc();
  const after = process.memoryUsage().heapUsed;
  // Keep the state reachable until after the measurement.
  if (state === undefined) throw new Error('unreachable');
  return { bytes: after - before, method: 'gc' };
}

const suite: BenchSuite = {
  name: 'notifier',
  async run({ quick }): Promise<BenchFigure[]> {
    const source = pool(200_000, 20_000);
    const minMs = quick ? 1_000 : 5_000;
    const ours = opsPerSecond(() => aggregateBounded(source, source.length), source.length, minMs);
    const naive = opsPerSecond(() => aggregateNaive(source, source.length), source.length, minMs);

    const users = 2 * DEFAULT_MAX_USERS;
    const heap = heapGrowth(() => createAggregation(), addSummaries, HEAP_SUMMARIES, users);
    // The naive baseline retains every trace id (~250 MB): full runs only, to keep --quick short.
    const naiveHeap = quick ? undefined : heapGrowth(createNaive, addNaive, HEAP_SUMMARIES, users);
    const how = heap.method === 'gc' ? 'after GC' : 'peak sampled, no GC available';

    return [
      {
        name: 'aggregation throughput (200k summaries, 20k users)',
        value: ours,
        unit: 'summaries/s',
        target: { op: '>=', value: 1_000_000 },
        baseline: naive,
      },
      {
        name: `heap growth, 1M summaries / 200k users, cap 100k (${how})`,
        value: heap.bytes / MB,
        unit: 'MB',
        target: { op: '<=', value: 64 },
        ...(naiveHeap && { baseline: naiveHeap.bytes / MB }),
      },
    ];
  },
};

export default suite;
