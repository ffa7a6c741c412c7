/**
 * Plays the traffic plan through the real shop functions on the virtual clock: jump to each
 * request's time, send it (traced or not, as sampled), keep the cookie it sets. Before every
 * request, whatever AWS does in the meantime runs first, in time order (the agenda: minute
 * closes, alarm evaluations, delayed Insight notifications, and so the notifier).
 *
 * A request a fault breaks runs with the fault proxy set for it (the sandbox runs one request at
 * a time), and the proxy says whether the request really reached DynamoDB.
 *
 * After the last request the minutes keep closing, with no traffic, until every alarm is OK and
 * every Insight closed and nothing is left on the agenda (at most `drainMinutes`), so the
 * delayed end of an incident still happens before the digest.
 *
 * A request the plan put earlier than "now" (a slowed request before it ate the time) runs
 * late, as a real client's would, and counts in the minute it really started in.
 */
import { performance } from 'node:perf_hooks';
import type { VirtualClock } from '../clock';
import type { DynamoFaultProxy, RequestFault } from '../dynamo-fault-proxy';
import type { ApiInvocation, LambdaRunner } from '../lambda-runner';
import { MINUTE_MS, type PlannedRequest, type TrafficPlan } from '../scenario/plan';
import type { Fault } from '../scenario/scenario';
import type { ShopClient } from '../scenario/shop-client';
import type { Agenda } from './agenda';
import type { ShopFunctions } from './functions';
import type { MinuteLoop, MinuteReport } from './minute-loop';

export const DEFAULT_DRAIN_MINUTES = 20;
/**
 * Most wall time a shopper's request may add to the virtual clock: a cart handler takes a few
 * milliseconds, and a machine busy elsewhere must not turn a stall into a slow request (injected
 * latency moves the clock explicitly and is not limited).
 */
export const REQUEST_FLOW_LIMIT_MS = 250;

export interface TrafficOptions {
  plan: TrafficPlan;
  clock: VirtualClock;
  client: ShopClient;
  runner: LambdaRunner;
  functions: ShopFunctions;
  minuteLoop: MinuteLoop;
  agenda: Agenda;
  proxy: Pick<DynamoFaultProxy, 'setRequestFault' | 'takeHits'>;
  /** Called when a fault's on-window begins (`on`) and ends. */
  onFault?: (fault: Fault, on: boolean) => void;
  onRequest?: (planned: PlannedRequest, invocation: ApiInvocation, faultApplied: boolean) => void;
  onMinute?: (report: MinuteReport) => void;
  /** Virtual seconds per wall second; undefined: as fast as possible. */
  speed?: number | undefined;
  drainMinutes?: number;
  signal?: AbortSignal;
}

export interface PlayedTraffic {
  /** Planned requests a fault broke that did reach DynamoDB (by index in the plan). */
  applied: ReadonlySet<PlannedRequest>;
  /** Virtual ms when the last minute closed. */
  endedAtMs: number;
}

export async function playTraffic(options: TrafficOptions): Promise<PlayedTraffic> {
  const { plan, clock, client, runner, functions, minuteLoop, agenda, proxy } = options;
  const tracesByMinute = new Map<number, string[]>();
  const applied = new Set<PlannedRequest>();
  const wallStart = performance.now();
  const drainUntil = plan.endMs + (options.drainMinutes ?? DEFAULT_DRAIN_MINUTES) * MINUTE_MS;
  const faults = new Map(plan.faults.map((f) => [f.name, f]));
  const moveClock = (atMs: number) => clock.setSystemTime(Math.max(clock.now(), atMs));
  let lastClose = plan.startMs;

  for (const fault of plan.faults) {
    for (const w of fault.windows) {
      agenda.at(w.startMs, `fault ${fault.name} on`, () => options.onFault?.(fault, true));
      agenda.at(w.endMs, `fault ${fault.name} off`, () => options.onFault?.(fault, false));
    }
  }
  const closeMinute = (boundaryMs: number) => async () => {
    const minuteStart = boundaryMs - MINUTE_MS;
    const report = await minuteLoop.closeMinute(boundaryMs, tracesByMinute.get(minuteStart) ?? []);
    tracesByMinute.delete(minuteStart);
    lastClose = boundaryMs;
    options.onMinute?.(report);
    const more = boundaryMs < plan.endMs || !minuteLoop.settled();
    if (more && boundaryMs < drainUntil)
      agenda.at(boundaryMs + MINUTE_MS, 'minute close', closeMinute(boundaryMs + MINUTE_MS));
  };
  agenda.at(plan.startMs + MINUTE_MS, 'minute close', closeMinute(plan.startMs + MINUTE_MS));

  for (const planned of plan.requests) {
    options.signal?.throwIfAborted();
    await agenda.runUntil(planned.atMs, moveClock);
    await pace(planned.atMs);
    moveClock(planned.atMs);
    const fault = planned.fault === undefined ? undefined : faults.get(planned.fault);
    proxy.setRequestFault(fault ? requestFault(fault) : undefined);
    const release = clock.limitFlow(REQUEST_FLOW_LIMIT_MS);
    const invocation = await runner
      .invokeApi(functions[planned.action], client.request(planned), { sampled: planned.sampled })
      .finally(() => {
        release();
        proxy.setRequestFault(undefined);
      });
    const hit = fault !== undefined && proxy.takeHits() > 0;
    if (hit) applied.add(planned);
    client.observe(planned.shopperId, invocation.response);
    if (planned.sampled) {
      const minute = Math.floor(invocation.startMs / MINUTE_MS) * MINUTE_MS;
      const ids = tracesByMinute.get(minute) ?? [];
      ids.push(invocation.traceId);
      tracesByMinute.set(minute, ids);
    }
    options.onRequest?.(planned, invocation, hit);
  }
  while (agenda.pending() > 0) {
    options.signal?.throwIfAborted();
    const next = agenda.upcoming()[0]!.atMs;
    await pace(next);
    await agenda.runUntil(next, moveClock);
  }
  return { applied, endedAtMs: lastClose };

  /** With a speed set, waits until the wall clock has caught up with virtual time / speed. */
  async function pace(atMs: number): Promise<void> {
    if (options.speed === undefined) return;
    const due = wallStart + (atMs - plan.startMs) / options.speed;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function requestFault(fault: Fault): RequestFault {
  return fault.what.kind === 'latency' ? { kind: 'latency', ms: fault.what.ms } : { kind: fault.what.kind };
}
