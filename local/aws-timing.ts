/**
 * How AWS and Slack behave in time, as the local stand-ins model it: every assumption in this
 * one file, with its source, or marked ASSUMPTION where nobody documents a figure. Scenario
 * runs use AWS_TIMING; `--timing ideal` (or `--timing-off <names>`) turns each off for
 * debugging, and unit tests of the stand-ins start from IDEAL_TIMING so they only see the
 * behaviour they ask for.
 *
 * - `xray-indexing`: a trace becomes visible to GetTraceSummaries 1–10 s after it ends.
 *   ASSUMPTION: Lambda sends segments when the invocation ends and the daemon "uploads them in
 *   batches" (X-Ray API reference, PutTraceSegments); X-Ray documents no indexing latency.
 * - `metric-delay`: a group's per-minute `ApproximateTraceCount` datapoint arrives 5–25 s after
 *   its minute, and 3 % arrive 1–3 min late. Source: "Metrics for the number of traces matching
 *   each criteria are published to Amazon CloudWatch every minute" (X-Ray developer guide,
 *   Configuring groups). The delays are an ASSUMPTION, sized after reported 4–9 minute alarm
 *   delays on CloudWatch metrics (Stack Overflow question 64045238, "Delay in AWS Cloudwatch
 *   Alarm state change").
 * - `alarm-schedule`: CloudWatch evaluates each alarm once a minute, 30 s after the minute, on
 *   the datapoints that have arrived; one not yet arrived is missing data at that evaluation.
 *   Source for once a minute: "The period evaluation is done per minute" (blog "AWS Cloudwatch
 *   Alarm Behavior", sancoder-q.github.io). The 30 s offset is an ASSUMPTION.
 * - `insight-delay`: an Insight opens after 2 anomalous minutes and each notification reaches
 *   EventBridge 1–3 min after the minute that caused it. ASSUMPTION: the X-Ray developer guide
 *   ("Using X-Ray insights") says only that X-Ray "uses statistical modeling to predict the
 *   expected fault rates".
 * - `insight-drop`: 2 % of Insight notifications never arrive. Source: "Insights notifications
 *   are emitted on a best-effort basis but are not guaranteed" (X-Ray developer guide, Using
 *   insights); "Delivery type: Best effort" (EventBridge events reference, AWS X-Ray events).
 *   The 2 % is an ASSUMPTION.
 * - `xray-paging`: a GetTraceSummaries page covers at most 60 s of the window and 2,000 scanned
 *   traces, so a page can hold few or no matches and still carry a NextToken. Source: "The first
 *   page contains the most recent results, closest to the end of the time frame" and
 *   ApproximateTime is "the start time of this page of results" (X-Ray API reference,
 *   GetTraceSummaries); a real page with TracesProcessedCount 2000 and a NextToken (aws/aws-cli
 *   issue 7529). 60 s and 2,000 are ASSUMPTIONS; at most 100 summaries a page is the stand-in's
 *   default (DEFAULT_PAGE_SIZE, also undocumented).
 * - `xray-latency`: each GetTraceSummaries call takes 100–300 ms of virtual time. ASSUMPTION.
 * - `xray-rate-limit`: GetTraceSummaries beyond 5 requests a second (bursts of 5) fails with
 *   ThrottledException (429), "The request exceeds the maximum number of requests per second"
 *   (X-Ray API reference). The rate is an ASSUMPTION: the X-Ray quotas page lists none.
 * - `slack-rate-limit`: `chat.postMessage` is limited per channel to 1 a second with bursts of
 *   5, then HTTP 429 with `Retry-After: 1`. Source: "chat.postMessage generally allows posting
 *   one message per second per channel" and "Posting messages: 1 per second. Short bursts >1
 *   allowed", 429 with a `Retry-After` header in seconds (Slack API docs, Rate limits). The burst
 *   size and the 1 s are ASSUMPTIONS.
 *
 * Every random draw (which datapoint is late, which notification is dropped, each latency)
 * comes from a PRNG seeded by the run's seed, so the same seed sees the same delays.
 */

export const TIMING_ASSUMPTIONS = [
  'xray-indexing',
  'metric-delay',
  'alarm-schedule',
  'insight-delay',
  'insight-drop',
  'xray-paging',
  'xray-latency',
  'xray-rate-limit',
  'slack-rate-limit',
] as const;
export type TimingAssumption = (typeof TIMING_ASSUMPTIONS)[number];

/** A uniform range of milliseconds. */
export interface MsRange {
  minMs: number;
  maxMs: number;
}

export interface AwsTiming {
  /** Trace end → visible to GetTraceSummaries; undefined: at once. */
  xrayIndexing: MsRange | undefined;
  /** Minute end → datapoint arrival; undefined: at once. */
  metricDelay: (MsRange & { lateShare: number; late: MsRange }) | undefined;
  /** Offset of the once-a-minute alarm evaluation after the minute; undefined: at the minute. */
  alarmScheduleOffsetMs: number | undefined;
  /** Anomalous minutes before an Insight opens, and notification delay; undefined: 1 and none. */
  insightDelay: { anomalousMinutes: number; notify: MsRange } | undefined;
  /** Share of Insight notifications dropped; undefined: none. */
  insightDropShare: number | undefined;
  /** Bounds of one GetTraceSummaries page; undefined: only the 100-summary page size. */
  xrayPaging: { sliceMs: number; maxScanned: number } | undefined;
  /** Duration of one GetTraceSummaries call (virtual time); undefined: instant. */
  xrayLatency: MsRange | undefined;
  /** GetTraceSummaries token bucket; undefined: never throttled. */
  xrayRateLimit: { perSecond: number; burst: number } | undefined;
  /** Per-channel `chat.postMessage` token bucket; undefined: never rate limited. */
  slackRateLimit: { perSecond: number; burst: number; retryAfterSeconds: number } | undefined;
}

export const AWS_TIMING: AwsTiming = {
  xrayIndexing: { minMs: 1_000, maxMs: 10_000 },
  metricDelay: { minMs: 5_000, maxMs: 25_000, lateShare: 0.03, late: { minMs: 60_000, maxMs: 180_000 } },
  alarmScheduleOffsetMs: 30_000,
  insightDelay: { anomalousMinutes: 2, notify: { minMs: 60_000, maxMs: 180_000 } },
  insightDropShare: 0.02,
  xrayPaging: { sliceMs: 60_000, maxScanned: 2_000 },
  xrayLatency: { minMs: 100, maxMs: 300 },
  xrayRateLimit: { perSecond: 5, burst: 5 },
  slackRateLimit: { perSecond: 1, burst: 5, retryAfterSeconds: 1 },
};

export const IDEAL_TIMING: AwsTiming = {
  xrayIndexing: undefined,
  metricDelay: undefined,
  alarmScheduleOffsetMs: undefined,
  insightDelay: undefined,
  insightDropShare: undefined,
  xrayPaging: undefined,
  xrayLatency: undefined,
  xrayRateLimit: undefined,
  slackRateLimit: undefined,
};

const FIELD: Record<TimingAssumption, keyof AwsTiming> = {
  'xray-indexing': 'xrayIndexing',
  'metric-delay': 'metricDelay',
  'alarm-schedule': 'alarmScheduleOffsetMs',
  'insight-delay': 'insightDelay',
  'insight-drop': 'insightDropShare',
  'xray-paging': 'xrayPaging',
  'xray-latency': 'xrayLatency',
  'xray-rate-limit': 'xrayRateLimit',
  'slack-rate-limit': 'slackRateLimit',
};

/** AWS timing with the named assumptions turned off. */
export function timingWithout(off: readonly TimingAssumption[]): AwsTiming {
  const timing: AwsTiming = { ...AWS_TIMING };
  for (const name of off) (timing as unknown as Record<string, undefined>)[FIELD[name]] = undefined;
  return timing;
}

/** The assumptions a timing has on, for the summary. */
export function timingOn(timing: AwsTiming): TimingAssumption[] {
  return TIMING_ASSUMPTIONS.filter((name) => timing[FIELD[name]] !== undefined);
}

/** A draw in a range from a uniform [0, 1) value. */
export function within(range: MsRange, uniform: number): number {
  return Math.round(range.minMs + (range.maxMs - range.minMs) * uniform);
}
