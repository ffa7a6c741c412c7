import { describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import type { Trace } from '../../rules/filter/trace';
import { alarmEventPattern, insightEventPattern } from '../../rules/names';
import { AWS_TIMING, IDEAL_TIMING, type AwsTiming } from '../aws-timing';
import { createEventBus, type BusEvent } from '../event-bus';
import { createTraceStore } from '../trace-store';
import { createAgenda } from './agenda';
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

function setup(timing: AwsTiming = IDEAL_TIMING, groupsCreatedAt: Record<string, number> = {}) {
  const store = createTraceStore();
  const agenda = createAgenda();
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
    timing,
    agenda,
    seed: 7,
    groupsCreatedAt,
  });
  /** Closes minute `index`, then lets the agenda run up to (not including) the next close. */
  async function minute(index: number, traces: Trace[]) {
    for (const t of traces) store.put(t);
    now = Math.max(now, T0 + (index + 1) * MINUTE);
    const report = await loop.closeMinute(
      T0 + (index + 1) * MINUTE,
      traces.map((t) => t.id),
    );
    await agenda.runUntil(T0 + (index + 2) * MINUTE - 1, (at) => (now = Math.max(now, at)));
    return report;
  }
  return { store, loop, delivered, minute, bus, agenda, at: () => now };
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
    const report = await loop.closeMinute(T0 + MINUTE, [late.id]);
    expect(report.late).toEqual([]);
    expect(report.counts['registered-user-faults']).toBe(1);
  });
});

const faultsAt = (i: number, n = 4) =>
  Array.from({ length: n }, (_, k) => trace(T0 + i * MINUTE + k * 1_000, `user-${k}`, true));
const FAULT_ALARM = 'uia--registered-user-faults--trace-count';
const eventTimes = (events: BusEvent[], alarm: string) =>
  events.filter((e) => (e.detail as { alarmName?: string }).alarmName === alarm).map((e) => e.time);

describe('minute loop, AWS-like timing', () => {
  const only = (over: Partial<AwsTiming>): AwsTiming => ({ ...IDEAL_TIMING, ...over });

  it('evaluates alarms once a minute at the schedule offset, not at the close', async () => {
    const { minute, delivered } = setup(only({ alarmScheduleOffsetMs: 30_000 }));
    await minute(0, faultsAt(0));
    await minute(1, faultsAt(1));
    // Breaching minutes 0 and 1: the evaluation that sees both runs 30 s after minute 1 closes.
    expect(eventTimes(delivered, FAULT_ALARM)).toEqual(['2026-11-22T21:01:30Z', '2026-11-22T21:02:30Z']);
    expect(alarmStates(delivered, FAULT_ALARM)).toEqual(['OK', 'ALARM']);
  });

  it('judges only datapoints that have arrived: a late one is missing now and counts a minute later', async () => {
    // Every datapoint 45 s late against a 30 s schedule: each evaluation misses the newest minute.
    const timing = only({
      alarmScheduleOffsetMs: 30_000,
      metricDelay: { minMs: 45_000, maxMs: 45_000, lateShare: 0, late: { minMs: 0, maxMs: 0 } },
    });
    const { minute, delivered, loop } = setup(timing);
    await minute(0, faultsAt(0));
    await minute(1, faultsAt(1));
    expect(loop.alarmStates()['registered-user-faults']).toBe('OK');
    await minute(2, [trace(T0 + 2 * MINUTE + 1_000, 'fay')]);
    // Now minutes 0 and 1 have both arrived: 2 of the last 3 breach.
    expect(alarmStates(delivered, FAULT_ALARM)).toEqual(['OK', 'ALARM']);
    const history = loop.history().find((h) => h.ruleId === 'registered-user-faults')!;
    expect(history.datapoints[0]).toMatchObject({ count: 4, arrivedAtMs: T0 + MINUTE + 45_000 });
  });

  it('draws 3 % of datapoints late by 1–3 minutes (seeded) with the AWS figures', async () => {
    const { minute, loop } = setup(AWS_TIMING);
    for (let i = 0; i < 200; i++) await minute(i, [trace(T0 + i * MINUTE + 1_000, 'fay')]);
    const delays = loop
      .history()
      .find((h) => h.ruleId === 'registered-users')!
      .datapoints.map((d) => d.arrivedAtMs - d.minuteStartMs - MINUTE);
    const late = delays.filter((d) => d >= 60_000);
    expect(delays.every((d) => (d >= 5_000 && d <= 25_000) || (d >= 60_000 && d <= 180_000))).toBe(true);
    expect(late.length).toBeGreaterThan(0);
    expect(late.length).toBeLessThan(20);
  });

  it('opens an Insight after 2 anomalous minutes and delivers its notification after the delay', async () => {
    const timing = only({ insightDelay: { anomalousMinutes: 2, notify: { minMs: 90_000, maxMs: 90_000 } } });
    const { minute, delivered, loop } = setup(timing);
    await minute(0, [trace(T0 + 1_000, 'fay'), trace(T0 + 2_000, 'finn')]);
    await minute(1, faultsAt(1, 3));
    expect(loop.openInsights()).toEqual([]);
    await minute(2, faultsAt(2, 3));
    expect(loop.openInsights()).toContain('registered-user-faults');
    const insights = () => delivered.filter((e) => e['detail-type'] === 'AWS X-Ray Insight Update');
    expect(insights()).toHaveLength(0);
    await minute(3, faultsAt(3, 3));
    expect(insights().map((e) => e.time)).toEqual(['2026-11-22T21:04:30Z', '2026-11-22T21:04:30Z']);
    expect((insights()[0]!.detail as { StartTime: number }).StartTime).toBe((T0 + MINUTE) / 1000);
  });

  it('drops Insight notifications, best effort, and says so in the history', async () => {
    const { minute, delivered, loop } = setup(only({ insightDropShare: 1 }));
    await minute(0, [trace(T0 + 1_000, 'fay'), trace(T0 + 2_000, 'finn')]);
    await minute(1, faultsAt(1, 3));
    expect(loop.openInsights()).toContain('registered-user-faults');
    expect(delivered.filter((e) => e['detail-type'] === 'AWS X-Ray Insight Update')).toEqual([]);
    const history = loop.history().find((h) => h.ruleId === 'registered-user-faults')!;
    expect(history.insights).toEqual([
      { kind: 'open', decidedAtMs: T0 + 2 * MINUTE, deliveredAtMs: undefined },
    ]);
  });

  it('ignores traces recorded before a group exists, and starts its alarm when it is created', async () => {
    const { minute, delivered, loop } = setup(IDEAL_TIMING, { 'registered-user-faults': T0 + 2 * MINUTE });
    await minute(0, faultsAt(0));
    await minute(1, faultsAt(1));
    expect(loop.alarmStates()['registered-user-faults']).toBeUndefined();
    const report = await minute(2, faultsAt(2));
    expect(report.counts['registered-user-faults']).toBe(4);
    await minute(3, faultsAt(3));
    // Created at minute 2: its first evaluation sees one breaching minute of three.
    expect(alarmStates(delivered, FAULT_ALARM)).toEqual(['OK', 'ALARM']);
    const history = loop.history().find((h) => h.ruleId === 'registered-user-faults')!;
    expect(history.datapoints.map((d) => d.minuteStartMs)).toEqual([T0 + 2 * MINUTE, T0 + 3 * MINUTE]);
    expect(history.alarm).toEqual([
      { atMs: T0 + 3 * MINUTE, from: 'INSUFFICIENT_DATA', to: 'OK' },
      { atMs: T0 + 4 * MINUTE, from: 'OK', to: 'ALARM' },
    ]);
  });
});
