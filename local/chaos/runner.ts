/**
 * `npm run chaos -- --runs 200`: the local pipeline under chaos (`npm start -- --chaos <seed>`)
 * for many seeds, a table of what each plan did and what it broke, and exit code 1 if any
 * invariant was violated in any run (each violation printed under the table).
 *
 * | option            | default | meaning                                                      |
 * |-------------------|---------|--------------------------------------------------------------|
 * | `--runs <n>`      | 200     | seeds `--from` … `--from + n - 1`                            |
 * | `--from <seed>`   | 1       | first chaos seed                                             |
 * | `--jobs <n>`      | 2       | runs at once (one process each: a handler's module state,    |
 * |                   |         | like a Lambda sandbox's, lives for one run only)             |
 * | `--scenario <s>`  | short   | the traffic and faults under the chaos (its own `--seed` 42) |
 * | `--out <dir>`     | out/chaos | `results.jsonl` (one line per run, as each ends); a failing  |
 * |                   |         | run keeps its whole out directory                            |
 * | `--resume`        | off     | seeds already in `results.jsonl` are not run again (unless   |
 * |                   |         | they crashed)                                                |
 * | `--table`         | off     | run nothing: the table of what `results.jsonl` holds         |
 *
 * Why a process per run rather than one process: the notifier's runtime (clients, caches) is
 * built when its module loads, against the stand-ins of the run that loaded it; importing it
 * again in one process returns the same module. A run costs about 10–20 s of wall time on a
 * 2-core machine (virtual time: no run waits for Lambda's retry delays or Slack's Retry-After
 * beyond what the notifier sleeps itself).
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderTable } from '../../cli/table';
import type { RunSummary } from '../summary';
import { HEADER, seedRow, totals, violations, type SeedResult } from './table';

interface RunnerOptions {
  runs: number;
  from: number;
  jobs: number;
  scenario: string;
  outDir: string;
  resume: boolean;
  table: boolean;
}

function options(argv: readonly string[]): RunnerOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      runs: { type: 'string', default: '200' },
      from: { type: 'string', default: '1' },
      jobs: { type: 'string', default: '2' },
      scenario: { type: 'string', default: 'short' },
      out: { type: 'string', default: join('out', 'chaos') },
      resume: { type: 'boolean', default: false },
      table: { type: 'boolean', default: false },
    },
  });
  const whole = (flag: string, text: string, min: number) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min)
      throw new RangeError(`--${flag} must be a whole number ≥ ${min}, not "${text}"`);
    return n;
  };
  return {
    runs: whole('runs', values.runs, 1),
    from: whole('from', values.from, 0),
    jobs: whole('jobs', values.jobs, 1),
    scenario: values.scenario,
    outDir: values.out,
    resume: values.resume || values.table,
    table: values.table,
  };
}

/** Runs `npm start -- --chaos <seed>` in its own process and reads its summary.json. */
async function runSeed(seed: number, o: RunnerOptions): Promise<SeedResult> {
  const out = join(o.outDir, `seed-${seed}`);
  const started = Date.now();
  const args = ['--import', 'tsx', join('local', 'start.ts'), '--plain', '--scenario', o.scenario];
  const child = spawn(process.execPath, [...args, '--chaos', String(seed), '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const wallSeconds = Math.round((Date.now() - started) / 100) / 10;
  try {
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    const failed = summary.checks.filter((c) => !c.ok).map(({ name, detail }) => ({ name, detail }));
    if (exitCode === 0) await rm(out, { recursive: true, force: true });
    return { seed, exitCode, wallSeconds, chaos: summary.chaos, failed };
  } catch {
    return { seed, exitCode: exitCode || 1, wallSeconds, chaos: undefined, failed: [], error: tail.trim() };
  }
}

/** Every seed, `jobs` at a time, in seed order in the result. */
async function runAll(
  o: RunnerOptions,
  earlier: readonly SeedResult[],
  onDone: (r: SeedResult, done: number) => Promise<void>,
): Promise<SeedResult[]> {
  const inRange = (seed: number) => seed >= o.from && seed < o.from + o.runs;
  const results: SeedResult[] = earlier.filter((r) => inRange(r.seed));
  const known = new Set(results.map((r) => r.seed));
  const seeds = Array.from({ length: o.runs }, (_, i) => o.from + i).filter((seed) => !known.has(seed));
  let next = 0;
  const worker = async () => {
    while (next < seeds.length) {
      const seed = seeds[next++]!;
      const result = await runSeed(seed, o);
      results.push(result);
      await onDone(result, results.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, seeds.length) }, worker));
  return results.sort((a, b) => a.seed - b.seed);
}

/** What `results.jsonl` holds; to resume, without the runs that crashed (they run again). */
async function readResults(file: string, options: { crashed: boolean }): Promise<SeedResult[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SeedResult)
    .filter((r) => options.crashed || r.error === undefined);
}

async function main(): Promise<number> {
  let o: RunnerOptions;
  try {
    o = options(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  await mkdir(o.outDir, { recursive: true });
  const log = join(o.outDir, 'results.jsonl');
  const earlier = o.resume ? await readResults(log, { crashed: o.table }) : [];
  if (!o.resume) await writeFile(log, '');
  process.stdout.write(
    `chaos: ${o.table ? `the table of ${log} for ` : ''}${o.runs} runs of scenario ${o.scenario}, seeds ${o.from}–${o.from + o.runs - 1}, ${o.jobs} at a time\n`,
  );
  const results = o.table
    ? earlier.filter((r) => r.seed >= o.from && r.seed < o.from + o.runs).sort((a, b) => a.seed - b.seed)
    : await runAll(o, earlier, async (r, done) => {
        await appendFile(log, `${JSON.stringify(r)}\n`);
        process.stdout.write(
          `  [${done}/${o.runs}] seed ${r.seed}: ${r.exitCode === 0 ? 'ok' : 'FAILED'} (${r.wallSeconds} s)\n`,
        );
      });
  const problems = violations(results);
  process.stdout.write(
    `\n${renderTable(HEADER, results.map(seedRow))}\n\nbursts: s short (Retry-After 1 s), l long (15–120 s), S sustained (10 min of 60 s)\n\n${totals(results)}\n`,
  );
  if (problems.length > 0) {
    process.stdout.write(
      `\nViolations (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    process.stdout.write(`Failing runs keep their out directory under ${o.outDir}/seed-<n>/.\n`);
  } else {
    process.stdout.write('\nNo invariant violated in any run.\n');
  }
  return problems.length > 0 ? 1 : 0;
}

main().then((code) => (process.exitCode = code));
