/**
 * Backtest replay speed: trace summaries per minute replayed for one rule, from a JSON-lines
 * file on disk to the finished report (both passes: parse, validate, filter and count every
 * summary; evaluate the alarm every minute; aggregate the users of each incident).
 *
 * Input: a day of GetTraceSummaries summaries as X-Ray returns them (wire format, ~0.6 KB each),
 * 1,000,000 (200,000 with --quick) from 5,000 users, faults mostly in short bursts (3 minutes in 47)
 * so the fault rule opens incidents all day. Baseline, same run: reading the same file and
 * `JSON.parse` of every line, nothing else (the floor any replay of the file pays).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { buildReport } from '../cli/commands/backtest/report';
import { replay } from '../cli/commands/backtest/replay';
import { wireSummary } from '../cli/commands/backtest/test-support';
import { openTraceFile } from '../cli/commands/backtest/trace-file';
import { seededRandom } from '../functions/notifier/test-support';
import { ruleSet } from '../rules';
import { compileFilter } from '../rules/filter';
import type { BenchFigure, BenchSuite } from './harness';

const DAY_MS = 86_400_000;
const START_MS = Date.parse('2026-11-20T00:00:00Z');

async function writeDay(path: string, count: number): Promise<void> {
  const next = seededRandom(17);
  const out = createWriteStream(path);
  const step = DAY_MS / count;
  for (let i = 0; i < count; i++) {
    const atMs = START_MS + Math.floor(i * step);
    const minute = Math.floor((atMs - START_MS) / 60_000);
    // A burst of faults in 3 minutes of every 47, a trickle of 0.2% the rest of the time.
    const burst = minute % 47 < 3;
    const r = next();
    const user = r < 0.1 ? 'anonymous' : `user-${Math.floor(next() * 5_000)}`;
    const line = JSON.stringify(wireSummary({ atMs, user, fault: burst ? next() < 0.3 : next() < 0.002 }));
    if (!out.write(line + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function replayOnce(path: string): Promise<{ ms: number; traces: number; incidents: number }> {
  const rule = ruleSet.rules.find((r) => r.id === 'registered-user-faults')!;
  const filter = compileFilter(rule.group.filterExpression);
  const started = performance.now();
  const source = await openTraceFile(path);
  const result = await replay(source, [{ key: rule.id, rule, matches: filter.outcome }], {
    namePrefix: ruleSet.namePrefix,
  });
  const report = buildReport({
    source: {
      kind: 'file',
      path,
      lines: result.stats.lines,
      traces: result.tracesInSpan,
      tracesInFile: result.stats.traces,
      byShape: result.stats.byShape,
      skippedLines: result.stats.skipped,
      problems: result.stats.problems,
    },
    results: [{ replay: result, edited: new Set() }],
    changes: [],
    skipped: [],
    span: result.span,
  });
  return { ms: performance.now() - started, traces: result.stats.traces, incidents: report.rules[0]!.pages };
}

async function parseOnly(path: string): Promise<number> {
  const started = performance.now();
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    if (JSON.parse(line)) n++;
  }
  void n;
  return performance.now() - started;
}

const suite: BenchSuite = {
  name: 'backtest',
  async run({ quick }) {
    const count = quick ? 200_000 : 1_000_000;
    const dir = await mkdtemp(join(tmpdir(), 'backtest-bench-'));
    const path = join(dir, 'day.jsonl');
    try {
      await writeDay(path, count);
      await replayOnce(path); // warm-up: JIT, file cache
      const runs = quick ? 1 : 2;
      let best = Number.POSITIVE_INFINITY;
      let last = { ms: 0, traces: 0, incidents: 0 };
      for (let i = 0; i < runs; i++) {
        last = await replayOnce(path);
        best = Math.min(best, last.ms);
      }
      const floor = await parseOnly(path);
      const perMinute = (ms: number) => (last.traces / ms) * 60_000;
      const figures: BenchFigure[] = [
        {
          name: `replay, 1 rule, ${count.toLocaleString('en-US')} summaries (${last.incidents} incidents)`,
          value: perMinute(best),
          unit: 'summaries/min',
          target: { op: '>=', value: 1_000_000 },
          baseline: perMinute(floor),
        },
        { name: 'replay wall time', value: best / 1000, unit: 's' },
      ];
      return figures;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
