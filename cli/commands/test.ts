/**
 * `rules test [fixture.yaml | dir]...`: runs the rule-test fixtures (default: every `*.yaml` in
 * the tests directory beside the rule file) against the rule file's rules. Each failure prints as a diff of expected
 * vs actual plus the clause-by-clause explanation; the last line is the summary.
 * Exit codes: 0 all pass, 1 some expectation fails or a rule does not parse, 2 bad input.
 */
import type { RuleTestSuite, RuleUnderTest } from '../../rules/filter';
import { formatRuleTestReport, runRuleTests } from '../../rules/filter';
import type { RuleSource } from '../rule-source';
import { fixtureFiles, loadSuite, rulesUnderTest } from './fixtures';

export interface TestDeps {
  rules: () => RuleUnderTest[];
  /** Read when no fixture is named. */
  testsDir: string;
}

export function depsFor(source: RuleSource): TestDeps {
  const rules = rulesUnderTest(source.ruleSet());
  return { rules: () => rules, testsDir: source.testsDir };
}

export async function run(argv: string[], deps: TestDeps): Promise<number> {
  const dir = deps.testsDir;
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: rules test [fixture.yaml | directory]...   (default: ${dir})`);
    return 0;
  }
  let files: string[];
  try {
    files = fixtureFiles(argv.length > 0 ? argv : [dir]);
  } catch (err) {
    console.error(`✗ ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (files.length === 0) {
    console.error(`✗ no fixture files (*.yaml) in ${argv.join(', ') || dir}`);
    return 2;
  }
  const suites: RuleTestSuite[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const loaded = loadSuite(file);
    if (loaded.ok) suites.push(loaded.suite);
    else problems.push(...loaded.errors);
  }
  if (problems.length > 0) {
    console.error(`✗ ${problems.length} problem(s) in fixture files:`);
    for (const p of problems) console.error(`  - ${p}`);
    return 2;
  }
  const report = runRuleTests(deps.rules(), suites);
  const text = formatRuleTestReport(report);
  if (report.ok) console.log(text);
  else console.error(text);
  return report.ok ? 0 : 1;
}
