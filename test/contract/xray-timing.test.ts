/**
 * Contract: the X-Ray stand-in's AWS-like timing (local/aws-timing.ts), seen through the real
 * `@aws-sdk/client-xray`: traces appear only after indexing, pages cover time slices (so some
 * are empty yet carry a NextToken) and a bounded scan, calls take virtual time, and calls above
 * the request rate are throttled as `ThrottledException`.
 */
import { GetTraceSummariesCommand, ThrottledException, XRayClient } from '@aws-sdk/client-xray';
import { afterEach, describe, expect, it } from 'vitest';
import type { Trace } from '../../rules/filter/trace';
import { createTraceStore } from '../../local/trace-store';
import { startXRayServer, type XRayServer, type XRayTiming } from '../../local/xray-server';
import { localClientConfig } from '../../local/sdk-client';

const T0 = 1_732_000_000; // seconds
let server: XRayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function trace(startSeconds: number, fault = true): Trace {
  return {
    id: `1-${Math.floor(startSeconds).toString(16)}-${String(Math.round(startSeconds * 1000)).padStart(24, '0')}`,
    startTime: startSeconds,
    duration: 0.5,
    responseTime: 0.5,
    http: { status: fault ? 502 : 200 },
    fault,
    error: false,
    throttle: false,
    partial: false,
    users: [],
    annotations: { username: ['ana'] },
    services: [],
    availabilityZones: [],
    instanceIds: [],
    resourceArns: [],
  };
}

async function start(timing: XRayTiming, nowMs: { value: number }) {
  const store = createTraceStore();
  server = await startXRayServer({
    store,
    compile: (expression) => (expression === 'fault' ? (t) => t.fault : () => true),
    timing,
    now: () => nowMs.value,
    advanceClock: (ms) => (nowMs.value += ms),
    seed: 1,
  });
  const client = new XRayClient(localClientConfig(server.url));
  const query = (NextToken?: string, window = [T0, T0 + 600]) =>
    client.send(
      new GetTraceSummariesCommand({
        StartTime: new Date(window[0]! * 1000),
        EndTime: new Date(window[1]! * 1000),
        FilterExpression: 'fault',
        NextToken,
      }),
    );
  return { store, query };
}

describe('X-Ray stand-in timing', () => {
  it('xray-indexing: a trace is visible only once its indexing delay after it ended has passed', async () => {
    const now = { value: (T0 + 10) * 1000 };
    const { store, query } = await start({ indexing: { minMs: 5_000, maxMs: 5_000 } }, now);
    store.put(trace(T0 + 9)); // ends at T0 + 9.5 s, visible from T0 + 14.5 s
    expect((await query()).TraceSummaries).toHaveLength(0);
    now.value = (T0 + 14.4) * 1000;
    expect((await query()).TraceSummaries).toHaveLength(0);
    now.value = (T0 + 14.5) * 1000;
    expect((await query()).TraceSummaries).toHaveLength(1);
  });

  it('xray-paging: pages cover 60 s slices newest first; an empty slice still carries a NextToken', async () => {
    const now = { value: (T0 + 3_600) * 1000 };
    const { store, query } = await start({ paging: { sliceMs: 60_000, maxScanned: 2_000 } }, now);
    // Matches in the newest and the oldest minute of a 3-minute window, none in between.
    for (const at of [T0 + 170, T0 + 175, T0 + 5]) store.put(trace(at));
    store.put(trace(T0 + 100, false));
    const window = [T0, T0 + 180];
    const first = await query(undefined, window);
    expect(first.TraceSummaries?.map((s) => s.StartTime?.getTime())).toEqual([
      (T0 + 175) * 1000,
      (T0 + 170) * 1000,
    ]);
    expect(first.ApproximateTime?.getTime()).toBe((T0 + 120) * 1000);
    const second = await query(first.NextToken, window);
    expect(second.TraceSummaries).toEqual([]);
    expect(second.TracesProcessedCount).toBe(1);
    expect(second.NextToken).toBeDefined();
    const third = await query(second.NextToken, window);
    expect(third.TraceSummaries?.map((s) => s.StartTime?.getTime())).toEqual([(T0 + 5) * 1000]);
    expect(third.NextToken).toBeUndefined();
  });

  it('xray-paging: a page stops after maxScanned traces, with the token to go on', async () => {
    const now = { value: (T0 + 3_600) * 1000 };
    const { store, query } = await start({ paging: { sliceMs: 600_000, maxScanned: 3 } }, now);
    for (let i = 0; i < 5; i++) store.put(trace(T0 + 10 + i, i === 0));
    const first = await query();
    expect(first.TracesProcessedCount).toBe(3);
    expect(first.TraceSummaries).toEqual([]);
    const second = await query(first.NextToken);
    expect(second.TraceSummaries?.map((s) => s.StartTime?.getTime())).toEqual([(T0 + 10) * 1000]);
  });

  it('xray-latency: each call moves the virtual clock by 100–300 ms', async () => {
    const now = { value: (T0 + 3_600) * 1000 };
    const { query } = await start({ latency: { minMs: 100, maxMs: 300 } }, now);
    const steps: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = now.value;
      await query();
      steps.push(now.value - before);
    }
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...steps)).toBeLessThanOrEqual(300);
    expect(new Set(steps).size).toBeGreaterThan(5);
  });

  it('xray-rate-limit: beyond the burst, calls are throttled until the bucket refills', async () => {
    const now = { value: (T0 + 3_600) * 1000 };
    const { query } = await start({ rateLimit: { perSecond: 5, burst: 5 } }, now);
    for (let i = 0; i < 5; i++) await query();
    await expect(query()).rejects.toBeInstanceOf(ThrottledException);
    now.value += 200; // one token back at 5 a second
    await expect(query()).resolves.toBeDefined();
    await expect(query()).rejects.toBeInstanceOf(ThrottledException);
    const calls = server!.calls('GetTraceSummaries');
    expect(calls.filter((c) => c.throttledBy === 'rate-limit')).toHaveLength(2);
  });
});
