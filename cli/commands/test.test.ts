import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { repoRuleSource } from '../repo-rules';
import { depsFor, run } from './test';

const RULES = () => [
  {
    id: 'registered-users',
    filterExpression: 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous"',
  },
];

function capture() {
  const out = vi.spyOn(console, 'log').mockImplementation(() => {});
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('\n');
  return { out: () => text(out), err: () => text(err) };
}

function fixture(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rule-tests-'));
  const file = join(dir, 'case.yaml');
  writeFileSync(file, content);
  return file;
}

describe('rules test', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs the shipped fixtures against the shipped rules and exits 0', async () => {
    const io = capture();
    expect(await run([], depsFor(repoRuleSource))).toBe(0);
    expect(io.out()).toMatch(/^rule tests ok: \d+ passed, 0 failed, 3 suite\(s\), \d+ trace\(s\)$/);
  });

  it('prints each failure as a diff with the explanation and exits 1', async () => {
    const io = capture();
    const file = fixture(
      'traces:\n  - name: lost\n    trace: { fault: true }\n    match: [registered-users]\n',
    );
    expect(await run([file], { rules: RULES, testsDir: tmpdir() })).toBe(1);
    const text = io.err();
    expect(text).toContain('FAIL case.yaml › lost › registered-users');
    expect(text).toContain('  - expected: match\n  + actual:   no match');
    expect(text).toContain('✗ Annotation.username CONTAINS "": false (annotation "username" is absent)');
    expect(text).toMatch(/rule tests FAILED: 0 passed, 1 failed/);
  });

  it('exits 2 with the problems of an invalid fixture file', async () => {
    const io = capture();
    const file = fixture(
      'traces:\n  - name: a\n    trace: { responsetime: 3 }\n    match: [registered-users]\n',
    );
    expect(await run([file], { rules: RULES, testsDir: tmpdir() })).toBe(2);
    expect(io.err()).toContain('case.yaml: traces.0.trace');
  });

  it('exits 2 for YAML that does not parse and for a missing path', async () => {
    const io = capture();
    expect(await run([fixture('traces: [\n')], { rules: RULES, testsDir: tmpdir() })).toBe(2);
    expect(await run(['/nonexistent/rules.yaml'], { rules: RULES, testsDir: tmpdir() })).toBe(2);
    expect(io.err()).toContain('/nonexistent/rules.yaml');
  });
});
