/**
 * Benchmark harness: every `bench/*.bench.ts` default-exports a {@link BenchSuite}.
 * Figures are compared with targets and, where a suite measures one, with a baseline
 * taken in the same process (so the ratio is meaningful on any machine).
 */
import { performance } from 'node:perf_hooks';

export type TargetOp = '>=' | '<=';

export interface BenchTarget {
  op: TargetOp;
  value: number;
}

/** One figure a suite measured. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  target?: BenchTarget;
  /** Same quantity measured for the baseline in the same run (e.g. untraced handler). */
  baseline?: number;
}

export interface BenchOptions {
  /** Fewer iterations: the whole `npm run bench -- --quick` stays under a minute. */
  quick: boolean;
}

export interface BenchSuite {
  name: string;
  run(options: BenchOptions): Promise<BenchFigure[]>;
}

/** The row written to `bench/results.json`. */
export interface BenchResult {
  suite: string;
  name: string;
  value: number;
  unit: string;
  target: string | null;
  baseline: number | null;
  ratio: number | null;
  pass: boolean | null;
}

export function toResult(suite: string, figure: BenchFigure): BenchResult {
  const ratio =
    figure.baseline !== undefined && figure.baseline !== 0 ? round(figure.value / figure.baseline) : null;
  const pass = figure.target ? meets(figure.value, figure.target) : null;
  return {
    suite,
    name: figure.name,
    value: round(figure.value),
    unit: figure.unit,
    target: figure.target ? `${figure.target.op} ${figure.target.value}` : null,
    baseline: figure.baseline !== undefined ? round(figure.baseline) : null,
    ratio,
    pass,
  };
}

export function meets(value: number, target: BenchTarget): boolean {
  return target.op === '>=' ? value >= target.value : value <= target.value;
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 1000) / 1000;
}

/** Runs `fn` repeatedly for at least `minMs` (after a warm-up) and returns operations per second. */
export function opsPerSecond(fn: () => void, opsPerCall: number, minMs: number): number {
  const warmUntil = performance.now() + Math.min(200, minMs / 4);
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const start = performance.now();
  let elapsed: number;
  do {
    fn();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (calls * opsPerCall) / (elapsed / 1000);
}

/** Percentile of a sample (nearest-rank). */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
