/**
 * A small, documented stand-in for X-Ray Insights: anomaly detection on a group's fault rate.
 * (AWS's real detector is a statistical model it does not publish; this one is deliberately
 * simple and predictable so the local pipeline's outcome can be asserted.)
 *
 * Once a minute, per group with Insights on:
 * - rate = faults / traces of the group in that minute; baseline = EWMA (α = 0.3) of earlier
 *   minutes' rates.
 * - A minute is anomalous when faults ≥ `minFaults` and rate ≥ max(`minRate`, 3 × baseline).
 * - OPEN after `anomalousMinutes` anomalous minutes in a row (1 by default; the AWS-like timing
 *   of the local run asks for more, see local/aws-timing.ts), starting at the first of them.
 * - UPDATE while open when the minute's fault count moved ≥ 50% from the last reported one.
 * - CLOSE after `quietMinutes` consecutive minutes below the opening condition.
 * Impact statistics are cumulative since the insight opened; the root-cause service is the
 * one most often last in the fault root-cause chains (else the most frequently faulting one).
 */
import type { Trace } from '../../rules/filter/trace';

export interface DetectorOptions {
  minFaults: number;
  minRate: number;
  quietMinutes: number;
  /** Consecutive anomalous minutes before an Insight opens (default 1). */
  anomalousMinutes?: number;
}

export const DEFAULT_DETECTOR: DetectorOptions = { minFaults: 3, minRate: 0.2, quietMinutes: 2 };

export interface ServiceRef {
  name: string;
  type?: string;
}

export interface ImpactStats {
  FaultCount: number;
  OkCount: number;
  TotalCount: number;
}

export interface InsightSnapshot {
  insightId: string;
  state: 'ACTIVE' | 'CLOSED';
  /** Epoch ms. */
  startTime: number;
  endTime?: number;
  summary: string;
  rootCause: ServiceRef | undefined;
  impact: ImpactStats;
  topServices: ServiceRef[];
  /** Minute (epoch ms) this snapshot describes. */
  at: number;
}

type Causes = Map<string, { ref: ServiceRef; count: number }>;

export interface DetectorState {
  baseline: number | undefined;
  /** Anomalous minutes in a row so far, while not open yet. */
  streak?: { start: number; minutes: number; impact: ImpactStats; causes: Causes };
  open?: {
    insightId: string;
    startTime: number;
    lastReportedFaults: number;
    quiet: number;
    impact: ImpactStats;
    causes: Map<string, { ref: ServiceRef; count: number }>;
  };
}

export type DetectorOutput = { kind: 'open' | 'update' | 'close'; snapshot: InsightSnapshot } | undefined;

/** Feeds one minute of the group's traces; returns the new state and the event to emit, if any. */
export function detectMinute(
  state: DetectorState,
  minute: number,
  traces: readonly Trace[],
  options: DetectorOptions,
  newId: () => string,
): { state: DetectorState; output: DetectorOutput } {
  const total = traces.length;
  const faults = traces.filter((t) => t.fault).length;
  const rate = total === 0 ? 0 : faults / total;
  const anomalous =
    faults >= options.minFaults && rate >= Math.max(options.minRate, 3 * (state.baseline ?? 0));
  const baseline = state.baseline === undefined ? rate : 0.7 * state.baseline + 0.3 * rate;

  if (!state.open) {
    if (!anomalous) return { state: { baseline }, output: undefined };
    const streak = {
      start: state.streak?.start ?? minute,
      minutes: (state.streak?.minutes ?? 0) + 1,
      impact: addImpact(state.streak?.impact, faults, total),
      causes: tallyCauses(state.streak?.causes ?? new Map(), traces),
    };
    // The baseline does not learn from an anomaly, or a long outage would become "normal".
    if (streak.minutes < (options.anomalousMinutes ?? 1)) {
      return { state: { baseline: state.baseline ?? 0, streak }, output: undefined };
    }
    const open = {
      insightId: newId(),
      startTime: streak.start,
      lastReportedFaults: faults,
      quiet: 0,
      impact: streak.impact,
      causes: streak.causes,
    };
    return {
      state: { baseline: state.baseline ?? 0, open },
      output: { kind: 'open', snapshot: snapshot(open, minute, 'ACTIVE') },
    };
  }

  const open = {
    ...state.open,
    impact: {
      FaultCount: state.open.impact.FaultCount + faults,
      OkCount: state.open.impact.OkCount + total - faults,
      TotalCount: state.open.impact.TotalCount + total,
    },
    causes: tallyCauses(state.open.causes, traces),
    quiet: anomalous ? 0 : state.open.quiet + 1,
  };
  if (open.quiet >= options.quietMinutes) {
    return {
      state: { baseline: state.baseline },
      output: { kind: 'close', snapshot: { ...snapshot(open, minute, 'CLOSED'), endTime: minute + 60_000 } },
    };
  }
  const moved = Math.abs(faults - open.lastReportedFaults) >= Math.max(1, 0.5 * open.lastReportedFaults);
  if (anomalous && moved) {
    const next = { ...open, lastReportedFaults: faults };
    return {
      state: { baseline: state.baseline, open: next },
      output: { kind: 'update', snapshot: snapshot(next, minute, 'ACTIVE') },
    };
  }
  return { state: { baseline: state.baseline, open }, output: undefined };
}

function addImpact(prior: ImpactStats | undefined, faults: number, total: number): ImpactStats {
  return {
    FaultCount: (prior?.FaultCount ?? 0) + faults,
    OkCount: (prior?.OkCount ?? 0) + total - faults,
    TotalCount: (prior?.TotalCount ?? 0) + total,
  };
}

function tallyCauses(
  prior: ReadonlyMap<string, { ref: ServiceRef; count: number }>,
  traces: readonly Trace[],
): Causes {
  const causes = new Map(prior);
  for (const trace of traces) {
    if (!trace.fault) continue;
    for (const ref of culprits(trace)) {
      const key = `${ref.type ?? ''}|${ref.name}`;
      const entry = causes.get(key);
      causes.set(key, { ref, count: (entry?.count ?? 0) + 1 });
    }
  }
  return causes;
}

function culprits(trace: Trace): ServiceRef[] {
  const chains = trace.rootCauses?.fault ?? [];
  const fromChains = chains.flatMap((c) => {
    const last = c.services.at(-1);
    return last ? [{ name: last.name, ...(last.type ? { type: last.type } : {}) }] : [];
  });
  if (fromChains.length > 0) return fromChains;
  return trace.services
    .filter((s) => s.fault)
    .map((s) => ({ name: s.name, ...(s.type ? { type: s.type } : {}) }));
}

function snapshot(
  open: NonNullable<DetectorState['open']>,
  minute: number,
  state: 'ACTIVE' | 'CLOSED',
): InsightSnapshot {
  const ranked = [...open.causes.values()].sort((a, b) => b.count - a.count);
  const rootCause = ranked[0]?.ref;
  const pct = open.impact.TotalCount === 0 ? 0 : (100 * open.impact.FaultCount) / open.impact.TotalCount;
  const summary =
    state === 'CLOSED'
      ? `Fault rate returned to normal${rootCause ? ` for ${rootCause.name}` : ''}.`
      : `${open.impact.FaultCount} of ${open.impact.TotalCount} requests (${pct.toFixed(1)}%) faulted` +
        `${rootCause ? `; root cause ${rootCause.name}` : ''}.`;
  return {
    insightId: open.insightId,
    state,
    startTime: open.startTime,
    summary,
    rootCause,
    impact: open.impact,
    topServices: ranked.slice(0, 3).map((c) => c.ref),
    at: minute,
  };
}
