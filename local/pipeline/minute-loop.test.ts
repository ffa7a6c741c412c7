import { describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import type { Trace } from '../../rules/filter/trace';
import { alarmEventPattern, insightEventPattern } from '../../rules/names';
import { createEventBus, type BusEvent } from '../event-bus';
import { createTraceStore } from '../trace-store';
import { createMinuteLoop } from './minute-loop';

const T0 = Date.parse('2026-11-22T21:00:00Z');
const MINUTE = 60_000;
let seq = 0;

function trace(atMs: number, username: string, fault = false): Trace {
  seq += 1;
  return {
    id: `1-${(atMs / 1000).toString(16)}-${String(seq).padStart(24, '0')}`,
    startTime: atMs / 1000,
    responseTime: 0.05,
    duration: 0.05,
    http: { status: fault ? 502 : 200 },
    fault,
    error: false,
    throttle: false,
    partial: false,
    users: [],
    annotations: { username: [username], operation: ['cart.add'] },
    services: [],
    availabilityZones: [],
    instanceIds: [],
    resourceArns: [],
  };
}

function setup() {
  const store = createTraceStore();
  const bus = createEventBus({ account: '000000000000' });
  const delivered: BusEvent[] = [];
  bus.addTarget({
    id: 'alarms',
    pattern: alarmEventPattern(ruleSet, bus.account),
    handler: (e) => void delivered.push(e),
  });
  bus.addTarget({
    id: 'insights',
    pattern: insightEventPattern(ruleSet, bus.account),
    handler: (e) => void delivered.push(e),
  });
  let now = T0;
  const loop = createMinuteLoop({
    ruleSet,
    store,
    bus,
    account: { account: '000000000000', region: 'us-east-1' },
    now: () => now,
    complete: (t) => !t.partial,
    traceWaitMs: 200,
  });
  async function minute(index: number, traces: Trace[]) {
    for (const t of traces) store.put(t);
    now = T0 + (index + 1) * MINUTE;
    return loop.evaluate(
      now,
      traces.map((t) => t.id),
    );
  }
  return { store, loop, delivered, minute, bus };
}

const alarmStates = (events: BusEvent[], alarm: string) =>
  events
    .filter((e) => (e.detail as { alarmName?: string }).alarmName === alarm)
    .map((e) => (e.detail as { state: { value: string } }).state.value);

describe('minute loop', () => {
  it('counts each group per minute with its filter', async () => {
    const { minute } = setup();
    const report = await minute(0, [
      trace(T0 + 1_000, 'fay', true),
      trace(T0 + 2_000, 'anonymous'),
      trace(T0 + 3_000, 'sam'),
    ]);
    expect(report.counts).toEqual({
      'registered-users': 2,
      'anonymous-users': 1,
      'slow-registered-users': 0,
      'registered-user-faults': 1,
    });
  });

  it('raises the fault alarm after 2 breaching minutes of 3 and clears it once they leave the evaluation range', async () => {
    const { minute, delivered, loop } = setup();
    const faults = (i: number) =>
      [0, 1, 2, 3].map((k) => trace(T0 + i * MINUTE + k * 1_000, `user-${k}`, true));
    const clean = (i: number) => [trace(T0 + i * MINUTE + 1_000, 'fay')];
    await minute(0, clean(0));
    await minute(1, faults(1));
    expect(loop.alarmStates()['registered-user-faults']).toBe('OK');
    await minute(2, faults(2));
    expect(loop.alarmStates()['registered-user-faults']).toBe('ALARM');
    // No datapoint for minutes 3-5: CloudWatch still judges minutes 1 and 2, inside its
    // 5-minute evaluation range (2 of 3, missing as not breaching).
    for (const i of [3, 4, 5]) {
      await minute(i, clean(i));
      expect(loop.alarmStates()['registered-user-faults'], `minute ${i}`).toBe('ALARM');
    }
    await minute(6, clean(6));
    expect(alarmStates(delivered, 'uia--registered-user-faults--trace-count')).toEqual(['OK', 'ALARM', 'OK']);
  });

  it('opens an Insight on an anomalous fault rate and delivers it with the deployed pattern', async () => {
    const { minute, delivered, loop } = setup();
    await minute(0, [trace(T0 + 1_000, 'fay'), trace(T0 + 2_000, 'finn')]);
    await minute(
      1,
      [0, 1, 2].map((k) => trace(T0 + MINUTE + k * 1_000, `user-${k}`, true)),
    );
    expect(loop.openInsights()).toEqual(['registered-users', 'registered-user-faults']);
    const insights = delivered.filter((e) => e['detail-type'] === 'AWS X-Ray Insight Update');
    expect(insights.map((e) => (e.detail as { GroupName: string }).GroupName)).toEqual([
      'uia--registered-users',
      'uia--registered-user-faults',
    ]);
  });

  it('waits for a trace still arriving before it counts the minute', async () => {
    const { store, loop } = setup();
    const late = trace(T0 + 10_000, 'fay', true);
    setTimeout(() => store.put(late), 30);
    const report = await loop.evaluate(T0 + MINUTE, [late.id]);
    expect(report.late).toEqual([]);
    expect(report.counts['registered-user-faults']).toBe(1);
  });
});
