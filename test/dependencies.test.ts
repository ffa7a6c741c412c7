/**
 * Least dependencies: every runtime dependency in package.json is imported by shipped code (a
 * dependency nobody imports is attack surface and install time for nothing). Transitive ones
 * (Powertools commons under logger and parameters) come with their dependants' exact pins.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
const IMPORT = /(?:from\s+|import\(\s*)['"]([^'"]+)['"]/g;

function importedPackages(): Set<string> {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && !/\.test\.ts$/.test(f));
  const specs = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]!));
  return new Set(
    specs
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!)),
  );
}

describe('dependencies', () => {
  it('every runtime dependency is imported by code outside the tests', () => {
    const imported = importedPackages();
    expect(Object.keys(pkg.dependencies).filter((d) => !imported.has(d))).toEqual([]);
  });
});
