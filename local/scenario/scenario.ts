/**
 * A scenario as the run uses it: the file's fields with times turned into epoch milliseconds,
 * defaults applied and each fault's on-windows worked out (flapping, ramp). Built by load.ts
 * from a validated file; everything downstream (population, plan, ground truth) reads this.
 */
import type { ShopAction } from './actions';
import { dynamoActions } from './actions';
import type { FaultSpec, ScenarioFile, Segment, WhatSpec, WhoSpec } from './schema';

export const MINUTE_MS = 60_000;

/** Sunday evening in London, so Monday 08:00's weekly digest reports a week that holds the run. */
export const DEFAULT_START = '2026-11-22T21:00:00Z';

export interface TimeWindow {
  /** Epoch ms, inclusive. */
  startMs: number;
  /** Epoch ms, exclusive. */
  endMs: number;
}

export interface Fault {
  name: string;
  description: string | undefined;
  who: WhoSpec;
  dependency: 'dynamodb';
  /** Operations whose DynamoDB calls the fault breaks (the file's, or every cart operation). */
  operations: ShopAction[];
  what: WhatSpec;
  /** From the start of the first on-window to the end of the last. */
  span: TimeWindow;
  /** When the fault is on (one window, or one per flapping burst). */
  windows: TimeWindow[];
  rampMs: number | undefined;
  probability: number;
  activity: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** The file it came from (as given, or found in local/scenarios/). */
  file: string;
  startMs: number;
  endMs: number;
  population: ScenarioFile['population'];
  traffic: { jitter: number; perMinuteAt: (ms: number) => number };
  sampling: ScenarioFile['sampling'];
  faults: Fault[];
  /** Rule id → epoch ms at which its X-Ray group and alarm come into existence. */
  groupsCreatedAt: Record<string, number>;
}

export function toScenario(file: ScenarioFile, name: string, path: string): Scenario {
  const startMs = Date.parse(file.start ?? DEFAULT_START);
  const at = (minutes: number) => startMs + Math.round(minutes * MINUTE_MS);
  return {
    name,
    description: file.description.trim(),
    file: path,
    startMs,
    endMs: at(file.minutes),
    population: file.population,
    traffic: { jitter: file.traffic.jitter, perMinuteAt: rateCurve(file.traffic.perMinute, startMs) },
    sampling: file.sampling,
    faults: file.faults.map((fault) => toFault(fault, at)),
    groupsCreatedAt: Object.fromEntries(Object.entries(file.groupsCreatedAt).map(([id, m]) => [id, at(m)])),
  };
}

function toFault(spec: FaultSpec, at: (minutes: number) => number): Fault {
  const windows = onWindows(spec.when).map(([from, to]) => ({ startMs: at(from), endMs: at(to) }));
  return {
    name: spec.name,
    description: spec.description,
    who: spec.who,
    dependency: spec.where.dependency,
    operations: spec.where.operations ?? defaultOperations(spec.who.segment),
    what: spec.what,
    span: { startMs: windows[0]!.startMs, endMs: windows[windows.length - 1]!.endMs },
    windows,
    rampMs: spec.when.ramp === undefined ? undefined : Math.round(spec.when.ramp * MINUTE_MS),
    probability: spec.probability,
    activity: spec.activity,
  };
}

/** On-windows in minutes from the run's start: one, or a burst per `on + off` while it lasts. */
export function onWindows(when: FaultSpec['when']): Array<[number, number]> {
  const end = when.start + when.minutes;
  if (!when.flapping) return [[when.start, end]];
  const out: Array<[number, number]> = [];
  for (let from = when.start; from < end; from += when.flapping.on + when.flapping.off) {
    out.push([from, Math.min(end, from + when.flapping.on)]);
  }
  return out;
}

function defaultOperations(segment: Segment): ShopAction[] {
  return segment === 'registered' || segment === 'everyone'
    ? dynamoActions('registered')
    : dynamoActions('anonymous');
}

/** The fault's share of hit requests at `ms`: 0 outside its windows, ramping up if asked. */
export function faultIntensity(fault: Fault, ms: number): number {
  if (!fault.windows.some((w) => ms >= w.startMs && ms < w.endMs)) return 0;
  if (fault.rampMs === undefined) return fault.probability;
  return fault.probability * Math.min(1, (ms - fault.span.startMs) / fault.rampMs);
}

/** Piecewise-linear requests per minute, flat before the first point and after the last. */
function rateCurve(spec: ScenarioFile['traffic']['perMinute'], startMs: number): (ms: number) => number {
  if (typeof spec === 'number') return () => spec;
  const points = spec.map((p) => ({ ms: startMs + p.at * MINUTE_MS, value: p.perMinute }));
  return (ms) => {
    const first = points[0]!;
    if (ms <= first.ms) return first.value;
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      if (ms <= b.ms) return a.value + ((b.value - a.value) * (ms - a.ms)) / Math.max(1, b.ms - a.ms);
    }
    return points[points.length - 1]!.value;
  };
}

/**
 * The scenario with `minutes` of traffic instead of its own length (`--duration`); faults keep
 * their times, so the run must still cover every one of them.
 */
export function withDuration(scenario: Scenario, minutes: number | undefined): Scenario {
  if (minutes === undefined) return scenario;
  const endMs = scenario.startMs + minutes * MINUTE_MS;
  const lastFault = Math.max(scenario.startMs, ...scenario.faults.map((f) => f.span.endMs));
  if (endMs < lastFault) {
    const needed = Math.ceil((lastFault - scenario.startMs) / MINUTE_MS);
    throw new RangeError(
      `--duration ${minutes} ends before the scenario's last fault does (minute ${needed})`,
    );
  }
  return { ...scenario, endMs };
}
