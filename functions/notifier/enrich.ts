/**
 * Alert + rule → Enrichment: which users the alert hit, from X-Ray GetTraceSummaries. Page
 * first: this never throws, it reports as it reads (`startEnrichment`: the first result page,
 * then progress), and whatever stops it (the invocation's deadline, `maxTraces`, X-Ray errors)
 * still yields something the page can show, with the state to go on from elsewhere.
 *
 * How it reads (one run = one invocation's share):
 * - The window is cut into sub-windows (sub-windows.ts) read by parallel workers, newest
 *   first, each chain following its own NextToken; the first result page is the newest data.
 * - All workers share one request rate (request-rate.ts: `enrichment.xrayRequestsPerSecond`,
 *   halved on every ThrottledException, climbing back on success). Throttling is therefore
 *   waited out, never fatal: a run the throttling outlasts stops at its deadline with a state
 *   to continue from in another invocation (process-event.ts defers the event for it).
 * - Each call carries an abort signal for the time left; an aborted call's sub-window keeps the
 *   token it had, so a continuation reads that page again and nothing is counted twice.
 * - Ends, saying which: `complete` (every sub-window read to its end), `max-traces`
 *   (`enrichment.maxTraces` summaries aggregated; checked between calls, so it may pass by
 *   less than a page per worker), `error` (X-Ray refused: before any page, `failed`), or
 *   `deadline` (time is up; `state()` continues it).
 *
 * Choices kept from before:
 * - TimeRangeType `Event` (trace update time): a long request that faulted inside the window
 *   counts even if it started before it. `TraceId` would drop those.
 * - Give this an XRayClient with `maxAttempts: 1`: the SDK's own retries would spend the time
 *   without the rate knowing.
 * - Responses are not zod-validated: at a million summaries validation would cost more than
 *   the aggregation; the aggregator reads every field defensively and counts unusable summaries
 *   (`malformed`). Pages that brought only unusable summaries read as "users unknown".
 */
import { GetTraceSummariesCommand, type XRayClient } from '@aws-sdk/client-xray';
import type { Rule } from '../../rules/schema';
import { estimateAffected, type AffectedEstimate } from './affected-estimate';
import { addSummaries, createAggregation, topUsers, totals, type Aggregation } from './aggregate';
import type { Alert } from './alert';
import { isThrottlingAwsError } from './aws-errors';
import type { Enrichment, EnrichmentEnd, TraceQuery } from './enrichment';
import {
  emptySketch,
  loadState,
  saveState,
  sketchedDistinct,
  type Cursor,
  type EnrichmentState,
} from './enrichment-state';
import type { Clock, NotifierLogger, Random, Sleep } from './ports';
import { enrichmentFilter } from './query-filter';
import { queryWindow } from './query-window';
import { createRequestRate } from './request-rate';
import { subWindow, subWindowCount } from './sub-windows';

/** Most workers (calls in flight) of one run. */
export const MAX_WORKERS = 16;

export interface EnrichDeps {
  /** Only `send` is used; pass an XRayClient built with `maxAttempts: 1`. */
  xray: Pick<XRayClient, 'send'>;
  now: Clock;
  sleep: Sleep;
  random: Random;
  logger: NotifierLogger;
  /** Most distinct users counted exactly in memory (see aggregate.ts). */
  maxUsers?: number;
  /** Per-request abort signal; defaults to `AbortSignal.timeout(ms)`. */
  abortAfter?: (ms: number) => AbortSignal;
  /**
   * Share (0–1] of requests X-Ray traces for these traces. Below 1 the enrichment carries an
   * estimate of the affected users beyond those seen (affected-estimate.ts).
   */
  samplingRate?: number | undefined;
}

export interface EnrichInput {
  alert: Alert;
  rule: Pick<Rule, 'group' | 'alarm' | 'enrichment'>;
  /** Continue an earlier run. */
  resume?: EnrichmentState | undefined;
  /** When this run stops reading (epoch ms); default: now + `enrichment.timeBudgetMs`. */
  deadlineMs?: number;
}

export interface EnrichmentRun {
  /** Resolves once the first result page is in (or the run has ended). */
  readonly firstPage: Promise<void>;
  /** Resolves when this run stops reading. */
  readonly finished: Promise<Enrichment>;
  /** What is known now. */
  current(): Enrichment;
  /** Called after every result page. */
  onProgress(listener: (enrichment: Enrichment) => void): void;
  /** The state to continue from; undefined once the run ended for good. */
  state(): EnrichmentState | undefined;
}

export function startEnrichment(input: EnrichInput, deps: EnrichDeps): EnrichmentRun {
  const settings = input.rule.enrichment;
  const startedMs = deps.now().getTime();
  const deadlineMs = input.deadlineMs ?? startedMs + settings.timeBudgetMs;
  const abortAfter = deps.abortAfter ?? ((ms: number) => AbortSignal.timeout(ms));
  const loaded = input.resume
    ? loadState(input.resume, { maxUsers: deps.maxUsers, exampleTraces: settings.exampleTraces })
    : undefined;
  const query = loaded?.query ?? buildQuery(input.alert, input.rule, deps.now());
  const agg =
    loaded?.agg ?? createAggregation({ maxUsers: deps.maxUsers, exampleTraces: settings.exampleTraces });
  const sketch = loaded?.hll ?? emptySketch();
  const folded = loaded?.folded ?? false;
  const startMs = query.startTime.getTime();
  const endMs = query.endTime.getTime();
  const cursor: Cursor = loaded
    ? { ...loaded.cursor, invocations: loaded.cursor.invocations + 1 }
    : {
        slices: subWindowCount(startMs, endMs),
        next: 0,
        open: [],
        pages: 0,
        calls: 0,
        throttled: 0,
        tracesProcessed: 0,
        invocations: 1,
      };
  const rate = createRequestRate(settings.xrayRequestsPerSecond, deps);
  const listeners: Array<(e: Enrichment) => void> = [];
  let end: EnrichmentEnd | undefined;
  let error: string | undefined;
  let pagesThisRun = 0;
  let inFlight = 0;
  let signalFirst: () => void = () => undefined;
  const firstPage = new Promise<void>((resolve) => (signalFirst = resolve));

  const snapshot = (): Enrichment =>
    toEnrichment(agg, query, cursor, { end, error, inFlight, sketch, folded }, settings.topUsers, deps);

  /** The next sub-window to read: a started one first (oldest index), else a new one. */
  function take(): { index: number; token: string | undefined } | undefined {
    if (cursor.open.length > 0) {
      cursor.open.sort((a, b) => a.index - b.index);
      return cursor.open.shift();
    }
    if (cursor.next < cursor.slices) return { index: cursor.next++, token: undefined };
    return undefined;
  }

  async function worker(): Promise<void> {
    for (;;) {
      if (end !== undefined) return;
      if (agg.totalTraces >= settings.maxTraces) {
        end = 'max-traces';
        return;
      }
      if (pagesThisRun >= settings.maxPages) return;
      const slice = take();
      if (slice === undefined) return; // the others finish theirs
      const giveBack = () => cursor.open.push({ index: slice.index, token: slice.token ?? '' });
      if (!(await rate.acquire(deadlineMs))) {
        giveBack();
        return;
      }
      const window = subWindow(startMs, endMs, cursor.slices, slice.index);
      inFlight++;
      try {
        cursor.calls++;
        const page = await deps.xray.send(
          new GetTraceSummariesCommand({
            StartTime: new Date(window.startMs),
            EndTime: new Date(window.endMs),
            TimeRangeType: query.timeRangeType,
            FilterExpression: query.filterExpression,
            NextToken: slice.token || undefined,
          }),
          { abortSignal: abortAfter(Math.max(1, deadlineMs - deps.now().getTime())) },
        );
        rate.succeeded();
        cursor.pages++;
        pagesThisRun++;
        const summaries = Array.isArray(page.TraceSummaries) ? page.TraceSummaries : [];
        if (page.TraceSummaries !== undefined && !Array.isArray(page.TraceSummaries)) agg.malformed++;
        addSummaries(agg, summaries, window.countFromMs);
        cursor.tracesProcessed +=
          typeof page.TracesProcessedCount === 'number' ? page.TracesProcessedCount : 0;
        const token =
          typeof page.NextToken === 'string' && page.NextToken !== '' ? page.NextToken : undefined;
        if (token !== undefined) cursor.open.push({ index: slice.index, token });
        signalFirst();
        const now = snapshot();
        for (const listener of listeners) listener(now);
      } catch (thrown) {
        giveBack();
        if (isAbort(thrown)) return;
        if (isThrottlingAwsError(thrown)) {
          cursor.throttled++;
          rate.throttled();
          deps.logger.info('GetTraceSummaries throttled; slowing down', {
            requestsPerSecond: rate.current(),
          });
          continue;
        }
        error = `X-Ray GetTraceSummaries failed: ${describeError(thrown)}`;
        deps.logger.error('enrichment stopped by an X-Ray error', { reason: error, pages: cursor.pages });
        end = 'error';
        return;
      } finally {
        inFlight--;
      }
    }
  }

  const workers = Math.min(MAX_WORKERS, Math.max(1, Math.ceil(settings.xrayRequestsPerSecond / 2)));
  const finished = Promise.all(Array.from({ length: workers }, () => worker())).then(() => {
    if (end === undefined && cursor.open.length === 0 && cursor.next >= cursor.slices) end = 'complete';
    signalFirst();
    const result = snapshot();
    deps.logger.info('enrichment run finished', {
      status: result.status,
      end: end ?? 'deadline',
      reason: result.reason,
      pages: cursor.pages,
      calls: cursor.calls,
      throttled: cursor.throttled,
      invocations: cursor.invocations,
      totalTraces: result.totalTraces,
      distinctUsers: result.distinctUsers,
      elapsedMs: deps.now().getTime() - startedMs,
    });
    return result;
  });

  return {
    firstPage,
    finished,
    current: snapshot,
    onProgress: (listener) => void listeners.push(listener),
    state: () => (end === undefined ? saveState(agg, query, cursor, { hll: sketch, folded }) : undefined),
  };
}

/** One run to its end within the rule's time budget (the preview, the backtest, tests). */
export async function enrich(input: EnrichInput, deps: EnrichDeps): Promise<Enrichment> {
  return startEnrichment(input, deps).finished;
}

export function buildQuery(alert: Alert, rule: Pick<Rule, 'group' | 'alarm'>, now: Date): TraceQuery {
  const window = queryWindow(alert, rule, now);
  return {
    startTime: window.start,
    endTime: window.end,
    filterExpression: enrichmentFilter(alert, rule),
    timeRangeType: 'Event',
  };
}

interface RunStatus {
  end: EnrichmentEnd | undefined;
  error: string | undefined;
  inFlight: number;
  sketch: Uint8Array;
  folded: boolean;
}

function toEnrichment(
  agg: Aggregation,
  query: TraceQuery,
  cursor: Cursor,
  run: RunStatus,
  topN: number,
  deps: Pick<EnrichDeps, 'samplingRate'>,
): Enrichment {
  // Sub-windows read to their end: started, minus those still open or in flight.
  const slicesRead = cursor.next - cursor.open.length - run.inFlight;
  const read = run.end === 'complete' ? cursor.slices : Math.max(0, Math.min(cursor.slices, slicesRead));
  const base = totals(agg);
  const folded = run.folded || agg.distinctUsersCapped;
  const distinctUsers = folded
    ? Math.max(base.distinctUsers, sketchedDistinct(run.sketch, agg))
    : base.distinctUsers;
  const nothingUsable = base.totalTraces === 0 && agg.malformed > 0;
  const status: Enrichment['status'] =
    run.end === 'complete' && !nothingUsable
      ? 'complete'
      : // An X-Ray error before any trace was read leaves nothing to show: users unknown.
        (run.end === 'error' && (cursor.pages === 0 || base.totalTraces === 0)) || nothingUsable
        ? 'failed'
        : 'partial';
  const result: Enrichment = {
    status,
    reason: reasonFor(status, run, cursor, agg, read),
    query,
    users: topUsers(agg, topN),
    ...base,
    distinctUsers,
    distinctUsersCapped: folded,
    tracesProcessed: cursor.tracesProcessed,
    pages: cursor.pages,
    progress: {
      slices: cursor.slices,
      slicesRead: read,
      end: run.end ?? 'reading',
      calls: cursor.calls,
      throttled: cursor.throttled,
      invocations: cursor.invocations,
    },
    malformed: agg.malformed,
  };
  result.estimate = estimateOf(result, deps.samplingRate);
  return result;
}

function reasonFor(
  status: Enrichment['status'],
  run: RunStatus,
  cursor: Cursor,
  agg: Aggregation,
  read: number,
): string | undefined {
  if (status === 'complete') return undefined;
  if (agg.malformed > 0 && agg.totalTraces === 0)
    return `X-Ray returned no usable trace summaries (${agg.malformed} malformed)`;
  if (run.error !== undefined)
    return cursor.pages === 0 || agg.totalTraces === 0
      ? run.error
      : `${run.error} (after ${plural(cursor.pages, 'page')})`;
  if (run.end === 'max-traces')
    return `stopped at maxTraces: ${agg.totalTraces.toLocaleString('en-US')} traces read`;
  const throttled = cursor.throttled > 0 ? `, X-Ray throttled ${plural(cursor.throttled, 'call')}` : '';
  return `still reading: ${read} of ${cursor.slices} time slices${throttled}`;
}

/**
 * No estimate after a failed enrichment (nothing was seen) or past the user cap (the
 * frequencies of users beyond it are unknown); a partial read estimates from what it read.
 */
function estimateOf(result: Enrichment, samplingRate: number | undefined): AffectedEstimate | undefined {
  if (result.status === 'failed' || result.distinctUsersCapped) return undefined;
  return estimateAffected(
    { seen: result.distinctUsers, seenOnce: result.usersSeenOnce, seenTwice: result.usersSeenTwice },
    samplingRate,
  );
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

function isAbort(error: unknown): boolean {
  const name = errorName(error);
  return name === 'AbortError' || name === 'TimeoutError';
}

function describeError(error: unknown): string {
  const name = errorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return message && message !== name ? `${name}: ${message}` : name;
}
