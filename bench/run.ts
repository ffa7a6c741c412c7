/**
 * `npm run bench [-- --quick] [-- --only <substring>]`: runs every `bench/*.bench.ts`, prints one
 * table, writes `bench/results.json`. Never part of `npm test`: timings are not assertions.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { toResult, type BenchResult, type BenchSuite } from './harness';

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
  const results: BenchResult[] = [];
  for (const file of files) {
    if (values.only && !file.includes(values.only)) continue;
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: BenchSuite };
    const suite = mod.default;
    process.stderr.write(`running ${suite.name} (${file})${values.quick ? ' --quick' : ''}…\n`);
    const figures = await suite.run({ quick: values.quick ?? false });
    results.push(...figures.map((f) => toResult(suite.name, f)));
  }
  printTable(results);
  await writeFile(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  process.stderr.write(`wrote ${join('bench', 'results.json')} (${results.length} figures)\n`);
}

function printTable(rows: BenchResult[]): void {
  const header = ['suite', 'name', 'figure', 'unit', 'target', 'baseline', 'ratio', 'result'];
  const body = rows.map((r) => [
    r.suite,
    r.name,
    String(r.value),
    r.unit,
    r.target ?? '',
    r.baseline === null ? '' : String(r.baseline),
    r.ratio === null ? '' : `${r.ratio}x`,
    r.pass === null ? '' : r.pass ? 'pass' : 'MISS',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
