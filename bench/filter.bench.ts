/**
 * X-Ray filter engine: evaluation throughput of the shipped rule expressions (compiled once)
 * against a hand-written JS predicate for the same expression, measured in the same run so the
 * ratio is the cost of the engine; and parse time per expression.
 */
import { compileFilter, parseFilter, traceFromInput, type Trace, type TraceInput } from '../rules/filter';
import { performance } from 'node:perf_hooks';
import { opsPerSecond, type BenchFigure, type BenchSuite } from './harness';

const TRACES: TraceInput[] = [
  { responseTime: 0.4, annotations: { username: 'alice', generated_cart: false } },
  { responseTime: 0.3, annotations: { username: 'anonymous', generated_cart: true } },
  { responseTime: 0.9, fault: true, annotations: { ColdStart: true } },
  { responseTime: 4.2, annotations: { username: 'bob' } },
  { responseTime: 3, fault: true, annotations: { username: 'carol' } },
  { responseTime: 1.1, annotations: { username: 12345 } },
  { responseTime: 5, annotations: { username: ['anonymous', 'dave'] } },
  { responseTime: 0.2, error: true, annotations: { Username: 'erin' } },
];

/** Hand-written equivalents: what a person would code for each rule without the engine. */
function hasRegisteredUser(t: Trace): boolean {
  const values = t.annotations['username'];
  if (values === undefined) return false;
  let present = false;
  let notAnonymous = false;
  for (const v of values) {
    if (typeof v !== 'string') continue;
    present = true;
    if (v !== 'anonymous') notAnonymous = true;
  }
  return present && notAnonymous;
}

const CASES: Array<{ name: string; expression: string; byHand: (t: Trace) => boolean }> = [
  {
    name: 'registered-users',
    expression: 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous"',
    byHand: hasRegisteredUser,
  },
  {
    name: 'anonymous-users',
    expression: 'Annotation.username = "anonymous"',
    byHand: (t) => t.annotations['username']?.includes('anonymous') ?? false,
  },
  {
    name: 'slow-registered-users',
    expression: 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous" and responsetime > 3',
    byHand: (t) => hasRegisteredUser(t) && t.responseTime !== undefined && t.responseTime > 3,
  },
  {
    name: 'registered-user-faults',
    expression: 'annotation.username CONTAINS "" AND annotation.username != "anonymous" AND fault',
    byHand: (t) => hasRegisteredUser(t) && t.fault,
  },
];

/** Written to so the optimiser cannot drop the evaluations. */
let sink = 0;

function throughput(predicate: (t: Trace) => boolean, traces: readonly Trace[], minMs: number): number {
  const rounds = 64;
  return opsPerSecond(
    () => {
      let matched = 0;
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < traces.length; i++) if (predicate(traces[i]!)) matched++;
      }
      sink += matched;
    },
    rounds * traces.length,
    minMs,
  );
}

const suite: BenchSuite = {
  name: 'filter',
  async run({ quick }) {
    const minMs = quick ? 150 : 1000;
    const traces = TRACES.map((t, i) => traceFromInput(t, `bench-${i}`));
    const figures: BenchFigure[] = [];
    const compiledCases = CASES.map((c) => ({ ...c, compiled: compileFilter(c.expression) }));
    for (const c of compiledCases) {
      for (const t of traces) {
        if (c.compiled(t) !== c.byHand(t))
          throw new Error(`${c.name}: hand-written predicate disagrees on ${t.id}`);
      }
    }
    // Warm every path first, so the first case measured is not the one that pays for the JIT.
    const warmUntil = performance.now() + (quick ? 150 : 400);
    while (performance.now() < warmUntil) {
      for (const c of compiledCases) {
        throughput(c.compiled, traces, 0);
        throughput(c.byHand, traces, 0);
        if (parseFilter(c.expression).ok) sink++;
      }
    }
    for (const c of compiledCases) {
      const compiled = c.compiled;
      const baseline = throughput(c.byHand, traces, minMs);
      const engine = throughput(compiled, traces, minMs);
      figures.push({
        name: `eval ${c.name}`,
        value: engine,
        unit: 'evals/s',
        target: { op: '>=', value: 2_000_000 },
        baseline,
      });
    }
    for (const c of CASES) {
      const parsesPerSecond = opsPerSecond(
        () => {
          if (parseFilter(c.expression).ok) sink++;
        },
        1,
        quick ? 100 : 500,
      );
      figures.push({
        name: `parse ${c.name}`,
        value: 1e6 / parsesPerSecond,
        unit: 'µs',
        target: { op: '<=', value: 50 },
      });
    }
    if (sink < 0) console.log(sink);
    return figures;
  },
};

export default suite;
