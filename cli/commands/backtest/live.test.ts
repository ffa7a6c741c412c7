/**
 * `--live` against the local X-Ray stand-in (local/xray-server.ts) with the real SDK client,
 * built as the command builds it (adaptive retries): paging, throttling, caps, errors, and the
 * same incidents as a replay of the same traces from a file.
 */
import type { XRayClient } from '@aws-sdk/client-xray';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTraceStore } from '../../../local/trace-store';
import { startXRayServer, type XRayServer } from '../../../local/xray-server';
import { ruleSet, ruleSetDefinition } from '../../../rules';
import { compileFilter, traceFromSummary } from '../../../rules/filter';
import { run, type BacktestDeps } from '../backtest';
import { liveXRayClient, type LiveProgress } from './live';
import type { BacktestReport } from './report';
import { DAY_MINUTES, DAY_START_MS, shopDaySummaries, writeTraceFile } from './test-support';

const NOW = new Date(DAY_START_MS + DAY_MINUTES * 60_000);
const summaries = shopDaySummaries();
const dayFile = writeTraceFile(summaries);
const store = createTraceStore();
let server: XRayServer;
const clients: XRayClient[] = [];

beforeAll(async () => {
  server = await startXRayServer({ store, compile: (e) => compileFilter(e), pageSize: 25 });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.close();
});

/** A fresh client per run, as the command makes one: adaptive retry state is per client. */
function client(): XRayClient {
  const c = liveXRayClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  clients.push(c);
  return c;
}
beforeEach(() => {
  store.clear();
  for (const s of summaries) store.put(traceFromSummary(s as Parameters<typeof traceFromSummary>[0]));
});

function recorder() {
  const updates: { covered: number; traces: number; retries: number }[] = [];
  let total = 0;
  let stopped = false;
  const progress: LiveProgress = {
    start: (t) => void (total = t),
    update: (covered, s) => void updates.push({ covered, traces: s.traces, retries: s.retries }),
    stop: () => void (stopped = true),
  };
  return { progress, updates, total: () => total, stopped: () => stopped };
}

async function backtest(argv: string[], progress = recorder().progress) {
  const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const deps: BacktestDeps = {
    definition: ruleSetDefinition,
    ruleSet,
    now: () => NOW,
    xray: client,
    progress,
  };
  try {
    const code = await run([...argv, '--json'], deps);
    const stdout = out.mock.calls.map((c) => String(c[0])).join('\n');
    return {
      code,
      report: stdout === '' ? undefined : (JSON.parse(stdout) as BacktestReport),
      stderr: err.mock.calls.map((c) => String(c[0])).join('\n'),
    };
  } finally {
    vi.restoreAllMocks();
  }
}

const incidents = (report: BacktestReport | undefined, i = 0) =>
  report!.rules[i]!.incidents.map((x) => [
    x.pagedAt,
    x.resolvedAt,
    x.users.top.map((u) => u.username).join(' '),
  ]);

describe('rules backtest --live', () => {
  it('pages through GetTraceSummaries with the rule’s filter and finds what the file replay finds', async () => {
    const live = await backtest(['registered-user-faults', '--live', '--since', '2h']);
    const file = await backtest(['registered-user-faults', dayFile]);
    expect(live.code).toBe(0);
    expect(incidents(live.report)).toEqual(incidents(file.report));
    expect(live.report!.rules[0]!.pages).toBe(4);
    expect(live.report!.source).toMatchObject({
      kind: 'xray',
      traces: 84,
      partial: null,
      throttledRetries: 0,
      queries: [{ ruleIds: ['registered-user-faults'], traces: 84 }],
    });
    const calls = server.calls('GetTraceSummaries');
    // Two 1-hour slices, 25 summaries a page: more than one page per slice.
    expect(calls.length).toBe(live.report!.source.kind === 'xray' ? live.report!.source.requests : -1);
    expect(calls.length).toBeGreaterThan(2);
    for (const call of calls) {
      expect(call.input).toMatchObject({
        TimeRangeType: 'TraceId',
        FilterExpression: ruleSet.rules.find((r) => r.id === 'registered-user-faults')!.group
          .filterExpression,
      });
      expect((call.input['EndTime'] as number) - (call.input['StartTime'] as number)).toBeLessThanOrEqual(
        3_600,
      );
    }
  });

  it('keeps going when X-Ray throttles (the SDK backs off and retries) and says so', async () => {
    const { progress, updates, total, stopped } = recorder();
    server.throttleNext(2, 'GetTraceSummaries');
    const live = await backtest(['registered-user-faults', '--live', '--since', '2h'], progress);
    expect(live.code).toBe(0);
    expect(live.report!.source).toMatchObject({ throttledRetries: 2, partial: null, traces: 84 });
    expect(server.calls('GetTraceSummaries').filter((c) => c.status === 429)).toHaveLength(2);
    // The progress bar moved forward only, ending at the whole window.
    expect(total()).toBe(120);
    expect(updates.map((u) => u.covered)).toEqual([...updates.map((u) => u.covered)].sort((a, b) => a - b));
    expect(updates.at(-1)).toMatchObject({ covered: 120, traces: 84, retries: 2 });
    expect(stopped()).toBe(true);
  });

  it('stops at the trace cap and reports the part of the window it read', async () => {
    const live = await backtest(['registered-user-faults', '--live', '--since', '2h', '--max-traces', '30']);
    expect(live.code).toBe(0);
    const source = live.report!.source;
    expect(source.kind === 'xray' && source.partial).toMatch(/^trace cap reached \(30 traces/);
    expect(source.kind === 'xray' && Date.parse(source.covered.start)).toBeGreaterThan(
      DAY_START_MS + 60 * 60_000,
    );
    // Only the outage falls in the newest slice's covered part.
    expect(live.report!.span!.start).toBe(source.kind === 'xray' ? source.covered.start : '');
  });

  it('stops at the time cap: a request in flight is aborted and the report says so', async () => {
    server.setLatency(400);
    try {
      const live = await backtest(['registered-user-faults', '--live', '--since', '2h', '--max-time', '1s']);
      expect(live.code).toBe(0);
      const source = live.report!.source;
      expect(source.kind === 'xray' && source.partial).toBe('time cap reached (1 s; raise --max-time)');
      expect(source.kind === 'xray' && source.traces).toBeLessThan(84);
    } finally {
      server.setLatency(0);
    }
  });

  it('backtests an edited filter with its own query, beside the shipped one', async () => {
    const live = await backtest(['registered-user-faults', '--live', '--since', '2h', '--expr', 'fault']);
    expect(live.code).toBe(0);
    const source = live.report!.source;
    expect(source.kind === 'xray' && source.queries.map((q) => [q.filterExpression, q.traces])).toEqual([
      [ruleSet.rules.find((r) => r.id === 'registered-user-faults')!.group.filterExpression, 84],
      ['fault', 84 + 18],
    ]);
    expect(live.report!.rules[1]!.incidents.at(-1)!.users.anonymousRequests).toBe(12);
  });

  it('keeps what it read with --save; replaying that file over the same window gives the same incidents', async () => {
    const saved = join(mkdtempSync(join(tmpdir(), 'backtest-save-')), 'xray.jsonl');
    const live = await backtest(['registered-user-faults', '--live', '--since', '2h', '--save', saved]);
    expect(readFileSync(saved, 'utf8').trim().split('\n')).toHaveLength(84);
    // The file holds only the group's traces: the window's end must be given to replay all of it.
    const window = ['--since', new Date(DAY_START_MS).toISOString(), '--until', NOW.toISOString()];
    const again = await backtest(['registered-user-faults', saved, ...window]);
    expect(incidents(again.report)).toEqual(incidents(live.report));
  });

  it('an X-Ray error stops the read: exit 1, a clear message, and the part read is still reported', async () => {
    server.failNext(
      {
        type: 'AccessDeniedException',
        status: 403,
        message: 'not authorized to perform xray:GetTraceSummaries',
      },
      { times: 1 },
    );
    const live = await backtest(['registered-user-faults', '--live', '--since', '2h']);
    expect(live.code).toBe(1);
    expect(live.stderr).toContain(
      'X-Ray GetTraceSummaries failed after 0 successful requests: AccessDeniedException: not authorized',
    );
    expect(live.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(live.report!.source).toMatchObject({ traces: 0 });
  });
});
