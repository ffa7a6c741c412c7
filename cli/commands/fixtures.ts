/**
 * File side of rule tests, shared by `test` and `explain`: finds the fixture files (`*.yaml` in
 * the rule source's tests directory unless named), reads and validates them. The runner itself
 * (rules/filter/rule-tests.ts) stays pure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseRuleTestSuite, type RuleTestSuite, type RuleUnderTest } from '../../rules/filter';
import type { RuleSet } from '../../rules/schema';

/** The rules as the fixtures test them: id and filter expression. */
export function rulesUnderTest(ruleSet: RuleSet): RuleUnderTest[] {
  return ruleSet.rules.map((r) => ({ id: r.id, filterExpression: r.group.filterExpression }));
}

/** Expands directories to their `*.yaml` / `*.yml` files, sorted; files are kept as given. */
export function fixtureFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    if (!statSync(p).isDirectory()) return [p];
    return readdirSync(p)
      .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
      .sort()
      .map((f) => join(p, f));
  });
}

/** Resolves a fixture path as given, then inside the fixture directory. */
export function resolveFixture(path: string, testsDir: string): string | undefined {
  for (const candidate of [resolve(path), join(testsDir, path)]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there; try the next place
    }
  }
  return undefined;
}

export function loadSuite(
  file: string,
): { ok: true; suite: RuleTestSuite } | { ok: false; errors: string[] } {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { ok: false, errors: [`${file}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return parseRuleTestSuite(basename(file), data);
}
