/**
 * Enrichment at scale, in virtual time: how long until the list of affected users is complete,
 * and how much heap reading a million summaries takes.
 *
 * The engine (functions/notifier/enrich.ts) runs unchanged against a simulated GetTraceSummaries
 * on a discrete-event clock: every call takes CALL_MS (200 ms), returns at most PAGE_SIZE
 * summaries of the sub-window it asks for, newest first, with a NextToken while more remain.
 * Page size: X-Ray documents none; the local stand-in and observed pages hold about 100. A run
 * that stops at its invocation's time budget continues from its saved state (enrichment-state.ts)
 * after CONTINUE_AFTER_MS plus one invocation start, as the deferral queue would bring it back.
 *
 * Figures (virtual seconds; the clock is the engine's own, so the figure is its schedule):
 * - time to a complete list at 10,000 and 100,000 traces, at the default 5 requests/s and at
 *   25/s (a rule configured for big incidents). Baseline, same run: one sequential chain over
 *   the whole window (how the notifier read before sub-windows), same call latency.
 * - first result page in: when the root could first show users (the root posts after at most
 *   `firstLookMs` whatever this says).
 * - peak heap growth reading 1,000,000 summaries from 200,000 users (real heap, sampled after
 *   every page, with GC before the start), target ≤ 128 MB.
 */
import type { TraceSummary } from '@aws-sdk/client-xray';
import { ruleSet } from '../rules';
import type { Alert } from '../functions/notifier/alert';
import { startEnrichment, type EnrichDeps } from '../functions/notifier/enrich';
import { CONTINUE_AFTER_MS } from '../functions/notifier/enrich-stage';
import type { EnrichmentState } from '../functions/notifier/enrichment-state';
import { parseEvent } from '../functions/notifier/parse';
import { fixture, recordingLogger } from '../functions/notifier/test-support';
import type { BenchFigure, BenchSuite } from './harness';

const CALL_MS = 200;
const PAGE_SIZE = 100;
/** Lambda picking the deferred event up again: SQS poll plus a warm start, roughly. */
const INVOCATION_START_MS = 500;
const MB = 1024 * 1024;

/** A discrete-event clock: `sleep` resolves in time order once everything runnable has run. */
function virtualClock(startMs: number) {
  let now = startMs;
  const timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  let seq = 0;
  return {
    now: () => new Date(now),
    nowMs: () => now,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        timers.push({ at: now + Math.max(0, ms), seq: seq++, resolve });
      }),
    /** Runs until `done` settles, advancing time only when nothing else can run. */
    async drive<T>(done: Promise<T>): Promise<T> {
      let finished = false;
      void done.finally(() => (finished = true)).catch(() => undefined);
      for (;;) {
        await new Promise((r) => setImmediate(r));
        if (finished) return done;
        if (timers.length === 0) continue;
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers.shift()!;
        now = Math.max(now, next.at);
        next.resolve();
      }
    },
  };
}

type Clock = ReturnType<typeof virtualClock>;

/** GetTraceSummaries over `count` traces spread evenly over [startMs, endMs), generated on demand. */
function simulatedXray(clock: Clock, count: number, users: number, startMs: number, endMs: number) {
  let calls = 0;
  const span = endMs - startMs;
  const timeOf = (i: number) => startMs + Math.floor(((i + 0.5) * span) / count);
  // First trace index whose start is at or after t.
  const indexAt = (t: number) =>
    Math.max(0, Math.min(count, Math.ceil(((t - startMs) * count) / span - 0.5)));
  const summaryOf = (i: number): TraceSummary => ({
    Id: '1-65929f40-' + (i + 1).toString(16).padStart(24, '0'),
    StartTime: new Date(timeOf(i)),
    Duration: 0.08,
    ResponseTime: 0.08,
    HasFault: true,
    HasError: false,
    HasThrottle: false,
    Annotations: { username: [{ AnnotationValue: { StringValue: 'shopper-' + (i % users) } }] },
  });
  const send = async (command: { input: Record<string, unknown> }) => {
    calls++;
    await clock.sleep(CALL_MS);
    const from = indexAt((command.input['StartTime'] as Date).getTime());
    const to = indexAt((command.input['EndTime'] as Date).getTime());
    const token = command.input['NextToken'] as string | undefined;
    // Newest first: a token is the index below which the next page starts.
    const top = token ? Number(token) : to;
    const bottom = Math.max(from, top - PAGE_SIZE);
    const page: TraceSummary[] = [];
    for (let i = top - 1; i >= bottom; i--) page.push(summaryOf(i));
    return {
      TraceSummaries: page,
      TracesProcessedCount: page.length,
      ...(bottom > from ? { NextToken: String(bottom) } : {}),
    };
  };
  return { send: send as unknown as EnrichDeps['xray']['send'], calls: () => calls };
}

function alarmAlert(): Alert {
  const parsed = parseEvent(fixture('alarm-threshold'), {
    namePrefix: 'uia',
    accounts: ['123456789012'],
    logger: recordingLogger(),
  });
  if (parsed.kind !== 'alert') throw new Error(parsed.reason);
  return parsed.alert;
}

interface Read {
  completeMs: number;
  firstPageMs: number;
  calls: number;
  invocations: number;
  distinctUsers: number;
  peakHeapMb: number;
}

/** Reads every trace, invocation after invocation, as the notifier would. */
async function readAll(traces: number, users: number, rate: number, sequential: boolean): Promise<Read> {
  const base = ruleSet.rules.find((r) => r.id === 'registered-user-faults')!;
  const rule = { ...base, enrichment: { ...base.enrichment, xrayRequestsPerSecond: rate } };
  const alert = alarmAlert();
  const clock = virtualClock(alert.eventTime.getTime() + 1_000);
  const startedMs = clock.nowMs();
  // The window the engine will query (its own buildQuery), read off the first run.
  let xray: ReturnType<typeof simulatedXray> | undefined;
  const deps = (): EnrichDeps => ({
    xray: { send: (c: never) => xray!.send(c) } as EnrichDeps['xray'],
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    logger: recordingLogger(),
    abortAfter: () => new AbortController().signal,
  });
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  let resume: EnrichmentState | undefined;
  let firstPageMs = -1;
  let invocations = 0;
  for (;;) {
    invocations++;
    const run = startEnrichment({ alert, rule, resume }, deps());
    if (!xray) {
      const q = run.current().query;
      let start = q.startTime.getTime();
      let end = q.endTime.getTime();
      if (sequential) {
        // One chain: a single sub-window (the landed engine's reading).
        start = q.startTime.getTime();
        end = q.endTime.getTime();
      }
      xray = simulatedXray(clock, traces, users, start, end);
    }
    run.onProgress(() => {
      if (firstPageMs < 0) firstPageMs = clock.nowMs() - startedMs;
      const used = process.memoryUsage().heapUsed;
      if (used > peak) peak = used;
    });
    const result = await clock.drive(run.finished);
    resume = run.state();
    if (!resume) {
      return {
        completeMs: clock.nowMs() - startedMs,
        firstPageMs,
        calls: xray.calls(),
        invocations,
        distinctUsers: result.distinctUsers,
        peakHeapMb: (peak - heapBefore) / MB,
      };
    }
    await clock.drive(clock.sleep(CONTINUE_AFTER_MS + INVOCATION_START_MS));
  }
}

/** The landed reading: one chain of calls over the whole window, one call at a time. */
async function sequentialMs(traces: number): Promise<number> {
  const pages = Math.max(1, Math.ceil(traces / PAGE_SIZE));
  return pages * CALL_MS;
}

const suite: BenchSuite = {
  name: 'enrichment',
  async run({ quick }) {
    const figures: BenchFigure[] = [];
    for (const traces of [10_000, 100_000]) {
      const baseline = await sequentialMs(traces);
      for (const rate of [5, 25]) {
        const read = await readAll(traces, Math.min(5_000, traces / 2), rate, false);
        const label = `${traces.toLocaleString('en-US')} traces, ${rate} req/s`;
        figures.push(
          {
            name: `time to complete list, ${label}`,
            value: read.completeMs / 1000,
            unit: 's (virtual)',
            target: { op: '<=', value: 60 },
            baseline: baseline / 1000,
          },
          { name: `first result page in, ${label}`, value: read.firstPageMs / 1000, unit: 's (virtual)' },
          { name: `X-Ray calls, ${label}`, value: read.calls, unit: 'calls' },
          { name: `invocations, ${label}`, value: read.invocations, unit: 'invocations' },
        );
        // Past CARRY_USERS a continuation counts distinct users with its sketch (±1.6 %).
        figures.push({
          name: `distinct users read ÷ true, ${label}`,
          value: read.distinctUsers / Math.min(5_000, traces / 2),
          unit: 'ratio',
        });
      }
    }
    const million = quick ? 200_000 : 1_000_000;
    const heap = await readAll(million, 200_000 * (million / 1_000_000), 25, false);
    figures.push({
      name: `peak heap growth, ${million.toLocaleString('en-US')} summaries, ${(200_000 * (million / 1_000_000)).toLocaleString('en-US')} users`,
      value: heap.peakHeapMb,
      unit: 'MB',
      target: { op: '<=', value: 128 },
    });
    for (const f of figures)
      process.stderr.write(`  ${f.name}: ${Math.round(f.value * 100) / 100} ${f.unit}\n`);
    return figures;
  },
};

export default suite;
