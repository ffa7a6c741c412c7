/**
 * Helpers shared by the notifier's tests: fixtures, a logger that records, and a fake clock
 * whose sleep advances time instantly (so budget and backoff tests never wait).
 */
import { readFileSync } from 'node:fs';
import type { TraceSummary } from '@aws-sdk/client-xray';
import type { Enrichment } from './enrichment';
import type { NotifierLogger } from './ports';

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown> | undefined;
}

export function recordingLogger(): NotifierLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, ...extra: Record<string, unknown>[]): void => {
      lines.push({ level, message, extra: extra[0] });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface FakeClock {
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  advance: (ms: number) => void;
  sleeps: number[];
}

export function fakeClock(start: Date | string): FakeClock {
  let ms = new Date(start).getTime();
  const sleeps: number[] = [];
  return {
    now: () => new Date(ms),
    sleep: async (delay) => {
      sleeps.push(delay);
      ms += delay;
    },
    advance: (delay) => {
      ms += delay;
    },
    sleeps,
  };
}

/** Deep-set a value inside a parsed fixture (`['detail', 'state', 'value']`); `undefined` deletes. */
export function withValue(
  event: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(event);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

export interface SummarySpec {
  /** `username` annotation; `null` leaves the annotation out (the lost-annotation case). */
  user: string | null;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  responseTime?: number;
  startMs?: number;
  /** X-Ray `Users` field, set by `setUser()`-style instrumentation. */
  usersField?: string;
  /** Root-cause service path (entry first, blamed service last). */
  faultRootCause?: { name: string; type?: string }[];
  id?: string;
}

let traceCounter = 0;

/** A syntactically valid, unique X-Ray trace id. */
export function traceId(n: number = ++traceCounter, epochSeconds = 1_704_110_400): string {
  return `1-${epochSeconds.toString(16).padStart(8, '0')}-${n.toString(16).padStart(24, '0')}`;
}

/** A GetTraceSummaries `TraceSummary` shaped like X-Ray returns it (SDK-deserialised). */
export function summary(spec: SummarySpec): TraceSummary {
  const startMs = spec.startMs ?? 1_704_110_400_000;
  return {
    Id: spec.id ?? traceId(),
    StartTime: new Date(startMs),
    Duration: spec.responseTime ?? 0.05,
    ResponseTime: spec.responseTime ?? 0.05,
    HasFault: spec.fault ?? false,
    HasError: spec.error ?? false,
    HasThrottle: spec.throttle ?? false,
    Annotations:
      spec.user === null
        ? { generated_cart: [{ AnnotationValue: { BooleanValue: false } }] }
        : { username: [{ AnnotationValue: { StringValue: spec.user } }] },
    ...(spec.usersField !== undefined && { Users: [{ UserName: spec.usersField }] }),
    ...(spec.faultRootCause !== undefined && {
      FaultRootCauses: [{ Services: spec.faultRootCause.map((s) => ({ Name: s.name, Type: s.type })) }],
    }),
  };
}

/** mulberry32: a small, well-mixed deterministic PRNG for generated data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A complete, empty-handed Enrichment to spread overrides into (every field the type has). */
export function enrichmentOf(over: Partial<Enrichment> = {}): Enrichment {
  return {
    status: 'complete',
    reason: undefined,
    query: {
      startTime: new Date(0),
      endTime: new Date(1),
      filterExpression: 'fault',
      timeRangeType: 'Event',
    },
    users: [],
    distinctUsers: 0,
    distinctUsersCapped: false,
    usersSeenOnce: 0,
    usersSeenTwice: 0,
    overflowRequests: 0,
    overflowFaults: 0,
    anonymousRequests: 0,
    anonymousFaults: 0,
    unattributedTraces: 0,
    unattributedFaults: 0,
    usersFieldFallbacks: 0,
    totalTraces: 0,
    faults: 0,
    errors: 0,
    throttles: 0,
    rootCauses: [],
    exampleTraceIds: [],
    firstSeen: undefined,
    lastSeen: undefined,
    tracesProcessed: 0,
    pages: 0,
    ...over,
  };
}
