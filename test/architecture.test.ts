/**
 * The arrows of docs/architecture.md ("Folders"), enforced: `rules/` and `templates/` do no I/O and
 * import only what they may; `functions/` never reaches into `infra/` or `local/`; `infra/`
 * never depends on the local stand-ins. Test files and test-support may cross rooms.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Edge {
  file: string;
  spec: string;
  /** Repo-relative path for relative imports, the package name otherwise. */
  target: string;
}

function productionEdges(): Edge[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && !/\.test\.ts$|test-support\.ts$|golden-cases\.ts$/.test(f));
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => {
      const spec = (m[1] ?? m[2])!;
      return { file, spec, target: spec.startsWith('.') ? normalize(join(dirname(file), spec)) : spec };
    }),
  );
}

const edges = productionEdges();
const from = (room: string) => edges.filter((e) => e.file.startsWith(`${room}/`));
const show = (list: Edge[]) => list.map((e) => `${e.file} imports ${e.spec}`);

describe('architecture', () => {
  it('reads a meaningful number of imports (the scan itself works)', () => {
    expect(from('functions').length).toBeGreaterThan(50);
    expect(from('rules').some((e) => e.target === 'zod')).toBe(true);
  });

  it('rules/ imports nothing but zod and itself', () => {
    expect(show(from('rules').filter((e) => !(e.target === 'zod' || e.target.startsWith('rules/'))))).toEqual(
      [],
    );
  });

  it('templates/ are pure: only rules/, templates/ and luxon (time zones), no node: modules', () => {
    const allowed = (e: Edge) =>
      e.target.startsWith('rules/') || e.target.startsWith('templates/') || e.target === 'luxon';
    expect(show(from('templates').filter((e) => !allowed(e)))).toEqual([]);
  });

  it('functions/ never import infra/ or local/', () => {
    expect(show(from('functions').filter((e) => /^(infra|local)\//.test(e.target)))).toEqual([]);
  });

  it('one alarm evaluator: the local pipeline and the backtest both import rules/alarm, nobody defines another', () => {
    const importsEvaluator = (file: string) =>
      edges.some(
        (e) => e.file === file && (e.target === 'rules/alarm' || e.target.startsWith('rules/alarm/')),
      );
    expect(importsEvaluator('local/pipeline/minute-loop.ts')).toBe(true);
    expect(importsEvaluator('cli/commands/backtest/timeline.ts')).toBe(true);
    const definers = execFileSync(
      'git',
      ['grep', '-l', '-E', 'function (evaluateAlarm|decideAlarm)\\b', '--', '*.ts'],
      {
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter((f) => f && !f.endsWith('.test.ts'));
    expect(definers).toEqual(['rules/alarm/evaluate.ts']);
  });

  it('infra/ never depends on the local stand-ins', () => {
    expect(show(from('infra').filter((e) => e.target.startsWith('local/')))).toEqual([]);
  });
});
