/**
 * Alert + rule → Enrichment: which users the alert hit, from X-Ray GetTraceSummaries, inside
 * a time budget. Page first, enrich within a budget: this never throws, and whatever stops it
 * (budget, page cap, trace cap, X-Ray errors) still yields something the page can show.
 *
 * Choices:
 * - TimeRangeType `Event` (trace update time): X-Ray returns traces active in the window
 *   regardless of when they began, so a long request that faulted inside the window counts
 *   even if it started before it. `TraceId` (start time) would drop those.
 * - Throttling (the SDK's own classification: ThrottledException, HTTP 429, …): the shared
 *   retry loop (functions/shared/retry.ts), exponential backoff with equal jitter, never
 *   sleeping past the budget.
 *   Give this an XRayClient with `maxAttempts: 1`: the SDK's own retries would spend the
 *   budget without this loop knowing.
 * - Each request carries an abort signal for the budget that is left, so one slow call
 *   cannot overrun it either.
 * - The trace cap is checked between pages (pages are small), so `totalTraces` may pass
 *   `maxTraces` by less than one page; the resume token stays exact that way.
 * - An X-Ray error after some pages returns what was read as `partial` (with the error as
 *   reason and the token to retry from) rather than discarding it; before any page it is
 *   `failed` ("users unknown").
 * - Responses are not zod-validated: at a million summaries per alert validation would cost
 *   more than the aggregation, and the aggregator reads every field defensively.
 */
import { GetTraceSummariesCommand, type XRayClient } from '@aws-sdk/client-xray';
import type { Rule } from '../../rules/schema';
import { estimateAffected, type AffectedEstimate } from './affected-estimate';
import { addSummaries, createAggregation, topUsers, totals, type Aggregation } from './aggregate';
import type { Alert } from './alert';
import type { Enrichment, TraceQuery } from './enrichment';
import { RetryGaveUp, withRetry } from '../shared/retry';
import { isThrottlingAwsError } from './aws-errors';
import type { Clock, NotifierLogger, Random, Sleep } from './ports';
import { enrichmentFilter } from './query-filter';
import { queryWindow } from './query-window';

export const BACKOFF_BASE_MS = 100;
export const BACKOFF_MAX_MS = 2_000;
/** Throttling is bounded by the time budget alone: exponential from 100 ms, capped at 2 s. */
const XRAY_BACKOFF = {
  baseMs: BACKOFF_BASE_MS,
  maxMs: BACKOFF_MAX_MS,
  maxAttempts: Number.POSITIVE_INFINITY,
};

export interface EnrichDeps {
  /** Only `send` is used; pass an XRayClient built with `maxAttempts: 1`. */
  xray: Pick<XRayClient, 'send'>;
  now: Clock;
  sleep: Sleep;
  random: Random;
  logger: NotifierLogger;
  /** Most distinct users counted exactly (see aggregate.ts). */
  maxUsers?: number;
  /** Per-request abort signal; defaults to `AbortSignal.timeout(remaining budget)`. */
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
  /** Continue an earlier partial enrichment: same query, next page. */
  resume?: { query: TraceQuery; token: string };
}

type Stop =
  { status: 'complete' } | { status: 'partial' | 'failed'; reason: string; token: string | undefined };

export async function enrich(input: EnrichInput, deps: EnrichDeps): Promise<Enrichment> {
  const { rule } = input;
  const settings = rule.enrichment;
  const startedMs = deps.now().getTime();
  const deadlineMs = startedMs + settings.timeBudgetMs;
  const query = input.resume?.query ?? buildQuery(input.alert, rule, deps.now());
  const agg = createAggregation({ maxUsers: deps.maxUsers, exampleTraces: settings.exampleTraces });
  const abortAfter = deps.abortAfter ?? ((ms: number) => AbortSignal.timeout(ms));

  let token = input.resume?.token;
  let pages = 0;
  let tracesProcessed = 0;
  let stop: Stop | undefined;

  while (stop === undefined) {
    if (pages >= settings.maxPages) {
      stop = partial(`page cap reached (${settings.maxPages} pages)`, token);
      break;
    }
    if (agg.totalTraces >= settings.maxTraces) {
      stop = partial(`trace cap reached (${settings.maxTraces.toLocaleString('en-US')} traces)`, token);
      break;
    }
    const remaining = deadlineMs - deps.now().getTime();
    if (remaining <= 0) {
      stop = partial(budgetReason(settings.timeBudgetMs, pages), token);
      break;
    }
    try {
      const page = await withRetry(
        () =>
          deps.xray.send(
            new GetTraceSummariesCommand({
              StartTime: query.startTime,
              EndTime: query.endTime,
              TimeRangeType: query.timeRangeType,
              FilterExpression: query.filterExpression,
              NextToken: token,
            }),
            { abortSignal: abortAfter(Math.max(1, deadlineMs - deps.now().getTime())) },
          ),
        {
          policy: XRAY_BACKOFF,
          classify: (error) => ({ retry: !isAbort(error) && isThrottlingAwsError(error) }),
          budget: { remainingMs: () => deadlineMs - deps.now().getTime() },
          sleep: deps.sleep,
          random: deps.random,
          onRetry: ({ waitMs, attempt }) =>
            deps.logger.info('GetTraceSummaries throttled; backing off', { delayMs: waitMs, attempt }),
        },
      );
      pages++;
      addSummaries(agg, page.TraceSummaries ?? []);
      tracesProcessed += page.TracesProcessedCount ?? 0;
      token = page.NextToken || undefined;
      if (token === undefined) stop = { status: 'complete' };
    } catch (error) {
      if (isAbort(error)) {
        stop = partial(budgetReason(settings.timeBudgetMs, pages), token);
      } else if (error instanceof RetryGaveUp) {
        stop = partial(
          `X-Ray throttled GetTraceSummaries until the time budget (${settings.timeBudgetMs} ms) ran out, after ${pluralPages(pages)}`,
          token,
        );
      } else {
        const reason = `X-Ray GetTraceSummaries failed: ${describeError(error)}`;
        deps.logger.error('enrichment stopped by an X-Ray error', { reason, pages, error });
        stop =
          pages === 0
            ? { status: 'failed', reason, token }
            : partial(`${reason} (after ${pluralPages(pages)})`, token);
      }
    }
  }

  const result = toEnrichment(agg, stop, query, pages, tracesProcessed, settings.topUsers);
  result.estimate = estimateOf(result, deps.samplingRate);
  deps.logger.info('enrichment finished', {
    status: result.status,
    reason: result.reason,
    pages,
    totalTraces: result.totalTraces,
    distinctUsers: result.distinctUsers,
    elapsedMs: deps.now().getTime() - startedMs,
  });
  return result;
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

function partial(reason: string, token: string | undefined): Stop {
  return { status: 'partial', reason, token };
}

function budgetReason(budgetMs: number, pages: number): string {
  return `time budget (${budgetMs} ms) used up after ${pluralPages(pages)}`;
}

function pluralPages(pages: number): string {
  return `${pages} page${pages === 1 ? '' : 's'}`;
}

function toEnrichment(
  agg: Aggregation,
  stop: Stop,
  query: TraceQuery,
  pages: number,
  tracesProcessed: number,
  topN: number,
): Enrichment {
  return {
    status: stop.status,
    reason: stop.status === 'complete' ? undefined : stop.reason,
    query,
    users: topUsers(agg, topN),
    ...totals(agg),
    tracesProcessed,
    pages,
    resumeToken: stop.status === 'complete' ? undefined : stop.token,
  };
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
