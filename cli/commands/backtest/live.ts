/**
 * `--live`: the traces come from the account's X-Ray, GetTraceSummaries with each rule's own
 * filter expression (so X-Ray, not the offline engine, decides what the group holds), spooled to
 * JSON lines on disk and replayed from there like a file. X-Ray's limits, and how they are met
 * (sources: docs/backtest.md):
 *
 * | limit                                                  | what this does                                     |
 * |--------------------------------------------------------|----------------------------------------------------|
 * | traces are kept 30 days                                | a window reaching further back is refused (exit 2) |
 * | request rate: throttling (`ThrottledException`, 429),  | one request at a time; the SDK's `adaptive` retry  |
 * | the rate itself not documented                         | mode backs off and slows its own sending rate;     |
 * |                                                        | retries are counted and reported                   |
 * | maximum window per request: not documented (the        | the window is read in 1-hour slices, newest first  |
 * | console's trace queries span at most 6 hours)          |                                                    |
 * | page size: not documented (about 100 summaries)        | the SDK's paginator follows NextToken              |
 * | every trace retrieved is billed                        | caps: `--max-traces` (default 1,000,000) and       |
 * |                                                        | `--max-time` (default 5 min); hitting one stops    |
 * |                                                        | the read and the report says which part was read   |
 *
 * Slices are read newest first and, inside one, every query before the next slice, so a cap or
 * an error leaves all queries covering the same recent part of the window; within a slice X-Ray
 * returns summaries newest first, so what was read reaches back to the oldest summary seen.
 */
import { paginateGetTraceSummaries, XRayClient, type XRayClientConfig } from '@aws-sdk/client-xray';
import { SingleBar } from 'cli-progress';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCount } from '../../../templates/format';
import { duration } from './args';
import type { XRaySourceReport } from './report';
import type { ReplayVariant, Span } from './replay';
import { openTraceFile, type TraceSource } from './trace-file';

export const RETENTION_MS = 30 * 24 * 3_600_000;
export const SLICE_MS = 3_600_000;
/** Attempts per request, throttled ones included, before giving up (the SDK default is 3). */
export const MAX_ATTEMPTS = 8;
const MINUTE_MS = 60_000;

/** The client `--live` uses: the SDK's adaptive retry mode, environment credentials and region. */
export function liveXRayClient(config: XRayClientConfig = {}): XRayClient {
  return new XRayClient({ retryMode: 'adaptive', maxAttempts: MAX_ATTEMPTS, ...config });
}

export interface LiveWindow {
  sinceMs: number;
  untilMs: number;
}

/**
 * `--since 6h` (or an ISO time) and `--until` (default now) → the window, or why X-Ray would not
 * serve it.
 */
export function liveWindow(
  args: { since: string; until: string | undefined },
  now: Date,
): LiveWindow | { error: string } {
  const nowMs = now.getTime();
  const instant = (text: string, name: string): number | { error: string } => {
    const ago = duration(text);
    if (ago !== undefined) return nowMs - ago;
    const at = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) {
      return { error: `--${name} must be a duration before now (90m, 6h, 2d) or an ISO time, not "${text}"` };
    }
    return at;
  };
  const since = instant(args.since, 'since');
  if (typeof since !== 'number') return since;
  const until = args.until === undefined ? nowMs : instant(args.until, 'until');
  if (typeof until !== 'number') return until;
  if (until > nowMs + MINUTE_MS)
    return { error: `--until ${args.until} is in the future: X-Ray has no traces yet` };
  if (since >= until) return { error: `the window is empty: --since ${args.since} is not before --until` };
  const oldest = nowMs - RETENTION_MS;
  if (since < oldest) {
    const days = Math.ceil((oldest - since) / 86_400_000);
    return {
      error:
        `X-Ray keeps traces for 30 days: --since ${args.since} starts ${iso(since)}, ` +
        `${days} day${days === 1 ? '' : 's'} before the oldest trace it still has (${iso(oldest)})`,
    };
  }
  return { sinceMs: since, untilMs: Math.min(until, nowMs) };
}

/** Where the progress goes; the default draws a bar on stderr. */
export interface LiveProgress {
  start(totalMinutes: number): void;
  update(coveredMinutes: number, status: { traces: number; requests: number; retries: number }): void;
  stop(): void;
}

export function stderrProgress(): LiveProgress {
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      'X-Ray {bar} {percentage}% of the window | {traces} traces, {requests} requests, {retries} retried | {duration_formatted}',
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  return {
    start: (total) => bar.start(total, 0, { traces: '0', requests: 0, retries: 0 }),
    update: (covered, s) =>
      bar.update(covered, { traces: formatCount(s.traces), requests: s.requests, retries: s.retries }),
    stop: () => bar.stop(),
  };
}

export interface LiveOptions {
  /** A real client: the SDK's paginator accepts nothing else. */
  xray: XRayClient;
  maxTraces: number;
  maxTimeMs: number;
  /** Keep the summaries read in this file (a second query's file gets `.edited` before its extension). */
  save: string | undefined;
  progress: LiveProgress | undefined;
}

export interface LiveResult {
  /** The part of the window that was read, in whole minutes. */
  span: Span;
  /** One per distinct filter expression, with the rules that share it. */
  spools: { source: TraceSource; variants: ReplayVariant[] }[];
  report: XRaySourceReport;
  /** An X-Ray failure that stopped the read (what was read before it is still replayed). */
  error: string | undefined;
  cleanup(): Promise<void>;
}

interface Query {
  filterExpression: string;
  variants: ReplayVariant[];
  path: string;
  file: FileHandle;
  traces: number;
}

/** What the read has done so far, shared by every query and slice. */
interface Tally {
  requests: number;
  retries: number;
  traces: number;
}

export async function fetchLive(
  variants: readonly ReplayVariant[],
  window: LiveWindow,
  options: LiveOptions,
): Promise<LiveResult> {
  const tempDir = options.save === undefined ? await mkdtemp(join(tmpdir(), 'uia-backtest-')) : undefined;
  const queries = await openQueries(variants, options.save, tempDir);
  const progress = options.progress ?? stderrProgress();
  const totalMinutes = Math.ceil((window.untilMs - window.sinceMs) / MINUTE_MS);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.maxTimeMs);
  const tally: Tally = { requests: 0, retries: 0, traces: 0 };
  const report = (coveredMs: number) =>
    progress.update(Math.min(totalMinutes, Math.round((window.untilMs - coveredMs) / MINUTE_MS)), {
      ...tally,
    });
  let coveredFrom = window.untilMs;
  let stop: { partial: string; error?: string } | undefined;

  progress.start(totalMinutes);
  try {
    slices: for (let sliceEnd = window.untilMs; sliceEnd > window.sinceMs; sliceEnd -= SLICE_MS) {
      const slice = { start: Math.max(window.sinceMs, sliceEnd - SLICE_MS), end: sliceEnd };
      for (const [index, query] of queries.entries()) {
        const last = index === queries.length - 1;
        const read = await readSlice(
          query,
          slice,
          tally,
          options,
          deadline.signal,
          last ? report : () => undefined,
        );
        if (read.stop !== undefined) {
          stop = read.stop;
          // Every query must cover the span: the ones after this one have not read this slice.
          coveredFrom = last ? read.reached : slice.end;
          break slices;
        }
      }
      coveredFrom = slice.start;
      report(coveredFrom);
    }
  } finally {
    clearTimeout(timer);
    report(coveredFrom);
    progress.stop();
    await Promise.all(queries.map((q) => q.file.close()));
  }
  const { requests, retries, traces } = tally;
  const partial = stop?.partial ?? null;
  const error = stop?.error;

  const startMs = Math.ceil(coveredFrom / MINUTE_MS) * MINUTE_MS;
  const endMs = Math.ceil(window.untilMs / MINUTE_MS) * MINUTE_MS;
  const span: Span = { startMs, minutes: Math.max(0, (endMs - startMs) / MINUTE_MS) };
  const spools = await Promise.all(
    queries.map(async (q) => ({
      source: await openTraceFile(q.path, `X-Ray spool for ${q.variants.map((v) => v.key).join(', ')}`),
      variants: q.variants.map((v) => ({ ...v, matches: () => true })),
    })),
  );
  return {
    span,
    spools,
    error,
    report: {
      kind: 'xray',
      since: iso(window.sinceMs),
      until: iso(window.untilMs),
      covered: { start: iso(startMs), end: iso(window.untilMs) },
      traces,
      requests,
      throttledRetries: retries,
      partial,
      queries: queries.map((q) => ({
        ruleIds: q.variants.map((v) => v.key),
        filterExpression: q.filterExpression,
        traces: q.traces,
      })),
    },
    cleanup: async () => {
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * One query's pages for one slice, appended to its spool. `reached`: how far back the slice has
 * been read (summaries come newest first); `stop`: why the whole read must end here.
 */
async function readSlice(
  query: Query,
  slice: { start: number; end: number },
  tally: Tally,
  options: LiveOptions,
  signal: AbortSignal,
  progress: (reachedMs: number) => void,
): Promise<{ reached: number; stop?: { partial: string; error?: string } }> {
  let reached = slice.end;
  try {
    const pages = paginateGetTraceSummaries(
      { client: options.xray },
      {
        StartTime: new Date(slice.start),
        EndTime: new Date(slice.end),
        TimeRangeType: 'TraceId',
        FilterExpression: query.filterExpression,
      },
      { abortSignal: signal },
    );
    for await (const page of pages) {
      tally.requests++;
      tally.retries += Math.max(0, (page.$metadata.attempts ?? 1) - 1);
      const summaries = page.TraceSummaries ?? [];
      if (summaries.length > 0)
        await query.file.write(summaries.map((s) => JSON.stringify(s)).join('\n') + '\n');
      for (const s of summaries) {
        const at = s.StartTime instanceof Date ? s.StartTime.getTime() : Number.NaN;
        if (at < reached) reached = Math.max(slice.start, at);
      }
      query.traces += summaries.length;
      tally.traces += summaries.length;
      progress(reached);
      if (tally.traces >= options.maxTraces) {
        return {
          reached,
          stop: {
            partial: `trace cap reached (${formatCount(options.maxTraces)} traces; raise --max-traces)`,
          },
        };
      }
    }
    return { reached: slice.start };
  } catch (caught) {
    if (signal.aborted) {
      return {
        reached,
        stop: { partial: `time cap reached (${formatDuration(options.maxTimeMs)}; raise --max-time)` },
      };
    }
    const error = describeXRayError(caught, tally.requests);
    return { reached, stop: { partial: error, error } };
  }
}

async function openQueries(
  variants: readonly ReplayVariant[],
  save: string | undefined,
  tempDir: string | undefined,
): Promise<Query[]> {
  const byFilter = new Map<string, ReplayVariant[]>();
  for (const v of variants) {
    const expression = v.rule.group.filterExpression.trim();
    byFilter.set(expression, [...(byFilter.get(expression) ?? []), v]);
  }
  return Promise.all(
    [...byFilter].map(async ([filterExpression, shared], i) => {
      const path =
        save === undefined
          ? join(tempDir!, `query-${i + 1}.jsonl`)
          : i === 0
            ? save
            : save.replace(/(\.[^./]+)?$/, (ext) => `.edited${ext}`);
      return { filterExpression, variants: shared, path, file: await open(path, 'w'), traces: 0 };
    }),
  );
}

function describeXRayError(error: unknown, requests: number): string {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const after = `after ${requests} successful request${requests === 1 ? '' : 's'}`;
  if (name === 'ThrottledException' || name === 'ThrottlingException') {
    return `X-Ray kept throttling GetTraceSummaries (${MAX_ATTEMPTS} attempts for one request) ${after}; try again later or narrow --since`;
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return `no AWS credentials for X-Ray (${message}); set AWS_PROFILE or AWS credentials and AWS_REGION`;
  }
  return `X-Ray GetTraceSummaries failed ${after}: ${message && message !== name ? `${name}: ${message}` : name}`;
}

function formatDuration(msValue: number): string {
  return msValue % 60_000 === 0 ? `${msValue / 60_000} min` : `${Math.round(msValue / 1000)} s`;
}

function iso(msValue: number): string {
  return new Date(msValue).toISOString();
}
