/**
 * Plays the traffic plan through the real shop functions on the virtual clock: jump to each
 * request's time, send it, keep the cookie it sets; at every minute boundary hand the minute's
 * traces to the minute loop (alarms, Insights, notifier) before any later request runs, and
 * switch the phase (which is when the fault starts and stops).
 *
 * A request the plan put earlier than "now" (a slowed request before it ate the time) runs
 * late, as a real client's would, and counts in the minute it really started in.
 */
import { performance } from 'node:perf_hooks';
import type { VirtualClock } from '../clock';
import type { ApiInvocation, LambdaRunner } from '../lambda-runner';
import { MINUTE_MS, type PhaseWindow, type PlannedRequest, type TrafficPlan } from '../scenario/plan';
import type { ShopClient } from '../scenario/shop-client';
import type { ShopFunctions } from './functions';
import type { MinuteLoop, MinuteReport } from './minute-loop';

export interface TrafficOptions {
  plan: TrafficPlan;
  clock: VirtualClock;
  client: ShopClient;
  runner: LambdaRunner;
  functions: ShopFunctions;
  minuteLoop: MinuteLoop;
  /** Called as each phase begins (at its first minute boundary). */
  onPhase: (phase: PhaseWindow) => void;
  onRequest?: (planned: PlannedRequest, invocation: ApiInvocation) => void;
  onMinute?: (report: MinuteReport) => void;
  /** Virtual seconds per wall second; undefined: as fast as possible. */
  speed?: number | undefined;
  signal?: AbortSignal;
}

export async function playTraffic(options: TrafficOptions): Promise<void> {
  const { plan, clock, client, runner, functions, minuteLoop } = options;
  const tracesByMinute = new Map<number, string[]>();
  const wallStart = performance.now();
  let nextBoundary = plan.startMs + MINUTE_MS;

  const phaseStarting = (atMs: number) => plan.phases.find((p) => p.startMs === atMs);
  const first = phaseStarting(plan.startMs);
  if (first) options.onPhase(first);

  async function closeMinute(): Promise<void> {
    clock.setSystemTime(Math.max(clock.now(), nextBoundary));
    const minuteStart = nextBoundary - MINUTE_MS;
    const report = await minuteLoop.evaluate(nextBoundary, tracesByMinute.get(minuteStart) ?? []);
    tracesByMinute.delete(minuteStart);
    options.onMinute?.(report);
    const phase = phaseStarting(nextBoundary);
    if (phase) options.onPhase(phase);
    nextBoundary += MINUTE_MS;
  }

  for (const planned of plan.requests) {
    options.signal?.throwIfAborted();
    while (nextBoundary <= planned.atMs) await closeMinute();
    await pace(planned.atMs);
    clock.setSystemTime(Math.max(clock.now(), planned.atMs));
    const invocation = await runner.invokeApi(functions[planned.action], client.request(planned));
    client.observe(planned.shopperId, invocation.response);
    const minute = Math.floor(invocation.startMs / MINUTE_MS) * MINUTE_MS;
    const ids = tracesByMinute.get(minute) ?? [];
    ids.push(invocation.traceId);
    tracesByMinute.set(minute, ids);
    options.onRequest?.(planned, invocation);
  }
  while (nextBoundary <= plan.endMs) {
    options.signal?.throwIfAborted();
    await pace(nextBoundary);
    await closeMinute();
  }

  /** With a speed set, waits until the wall clock has caught up with virtual time / speed. */
  async function pace(atMs: number): Promise<void> {
    if (options.speed === undefined) return;
    const due = wallStart + (atMs - plan.startMs) / options.speed;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
