/**
 * Text for a rule-test report: each failure as a small diff (expected vs actual) followed by
 * the explanation tree, then one summary line. Shared by the CLI and the vitest fixture test
 * so a failing `npm test` reads the same as `npm run rules -- test`.
 */
import { formatFilterError } from './errors';
import { formatExplain } from './explain';
import type { Actual, RuleTestCase, RuleTestReport } from './rule-tests';

const SAYS: Record<Actual, string> = {
  match: 'match',
  'no-match': 'no match',
  unknown: 'unknown (cannot be decided offline; see the explanation)',
  'rule-error': 'rule does not parse',
  'unknown-rule': 'no such rule',
};

export function formatFailure(c: RuleTestCase): string {
  const lines = [
    `FAIL ${c.suite} › ${c.trace} › ${c.ruleId}`,
    ...(c.expression !== undefined ? [`  expression: ${c.expression}`] : []),
    `  - expected: ${SAYS[c.expected]}`,
    `  + actual:   ${SAYS[c.actual]}`,
  ];
  if (c.note !== undefined) lines.push(`  ${c.note}`);
  if (c.explain !== undefined) lines.push('  why:', formatExplain(c.explain, '    '));
  return lines.join('\n');
}

export function formatSummary(report: RuleTestReport): string {
  const status = report.ok ? 'ok' : 'FAILED';
  const parts = [
    `${report.passed} passed`,
    `${report.failed} failed`,
    `${report.suites} suite(s)`,
    `${report.traces} trace(s)`,
  ];
  if (report.ruleErrors.length > 0) parts.push(`${report.ruleErrors.length} rule(s) do not parse`);
  const uncovered =
    report.uncoveredRules.length > 0 ? `; rules without tests: ${report.uncoveredRules.join(', ')}` : '';
  return `rule tests ${status}: ${parts.join(', ')}${uncovered}`;
}

export function formatRuleTestReport(report: RuleTestReport): string {
  const blocks = report.ruleErrors.map(
    (r) =>
      `RULE ${r.ruleId} does not parse: ${r.expression}\n${r.errors.map((e) => indent(formatFilterError(e))).join('\n')}`,
  );
  blocks.push(...report.failures.map(formatFailure));
  blocks.push(formatSummary(report));
  return blocks.join('\n\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
