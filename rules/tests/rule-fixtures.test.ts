/**
 * Runs every `rules/tests/*.yaml` fixture against the shipped rule set, so `npm test` fails
 * when a rule stops matching (or starts matching) a trace its fixtures describe.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ruleSet } from '..';
import { formatRuleTestReport, parseRuleTestSuite, runRuleTests, type RuleTestSuite } from '../filter';

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const rules = ruleSet.rules.map((r) => ({ id: r.id, filterExpression: r.group.filterExpression }));

function load(file: string): RuleTestSuite {
  const parsed = parseRuleTestSuite(file, parse(readFileSync(`${dir}${file}`, 'utf8')));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.suite;
}

describe('rule fixtures', () => {
  it('finds the fixture files', () => {
    expect(files).toEqual(expect.arrayContaining(['users.yaml', 'latency.yaml', 'faults.yaml']));
  });

  it.each(files)('%s: every expectation holds', (file) => {
    const report = runRuleTests(rules, [load(file)]);
    expect(report.cases.length).toBeGreaterThan(0);
    expect(report.ok, formatRuleTestReport(report)).toBe(true);
  });

  it('every shipped rule is covered by some fixture', () => {
    const report = runRuleTests(rules, files.map(load));
    expect(report.uncoveredRules).toEqual([]);
  });
});
