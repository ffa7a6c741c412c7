/**
 * `rules explain <rule-id> <fixture.yaml>[#<trace-name>]`: shows, clause by clause,
 * why a rule matches or not each trace of a fixture file (or just the named one), next to
 * what the fixture expects. `--expr '<filter expression>'` in place of the rule id explains an
 * expression that is not (yet) a rule. A fixture path is tried as given, then in the tests
 * directory beside the rule file.
 * Exit codes: 0 explained, 2 unknown rule / file / trace or an expression that does not parse.
 */
import {
  compileFilter,
  explainFilter,
  formatExplain,
  formatFilterError,
  parseFilter,
  type FilterAst,
  type RuleTestTrace,
  type RuleUnderTest,
} from '../../rules/filter';
import { closest } from '../../rules/filter/suggest';
import type { RuleSource } from '../rule-source';
import { loadSuite, resolveFixture, rulesUnderTest } from './fixtures';

export interface ExplainDeps {
  rules: () => RuleUnderTest[];
  /** Where a relative fixture path is looked up when it is not found as given. */
  testsDir: string;
}

export function depsFor(source: RuleSource): ExplainDeps {
  const rules = rulesUnderTest(source.ruleSet());
  return { rules: () => rules, testsDir: source.testsDir };
}

const USAGE = "usage: rules explain <rule-id | --expr '<expression>'> <fixture.yaml>[#<trace-name>]";

export async function run(argv: string[], deps: ExplainDeps): Promise<number> {
  const args = [...argv];
  let expression: string;
  let label: string;
  let ruleId: string | undefined;
  if (args[0] === '--expr') {
    if (args.length !== 3) return usage();
    expression = args[1]!;
    label = 'expression';
    args.splice(0, 2);
  } else {
    if (args.length !== 2) return usage();
    const rules = deps.rules();
    ruleId = args.shift()!;
    const rule = rules.find((r) => r.id === ruleId);
    if (rule === undefined) {
      const near = closest(
        ruleId,
        rules.map((r) => r.id),
      );
      console.error(
        `✗ unknown rule id "${ruleId}"${near !== undefined ? `; did you mean "${near}"?` : ''}` +
          `\n  rules: ${rules.map((r) => r.id).join(', ')}`,
      );
      return 2;
    }
    expression = rule.filterExpression;
    label = `rule ${rule.id}`;
  }

  const parsed = parseFilter(expression);
  if (!parsed.ok) {
    console.error(`✗ ${label} does not parse: ${expression}`);
    for (const e of parsed.errors) console.error(formatFilterError(e));
    return 2;
  }

  const [path, traceName] = splitTarget(args[0]!);
  const file = resolveFixture(path, deps.testsDir);
  if (file === undefined) {
    console.error(`✗ fixture file not found: ${path}`);
    return 2;
  }
  const loaded = loadSuite(file);
  if (!loaded.ok) {
    for (const e of loaded.errors) console.error(`✗ ${e}`);
    return 2;
  }
  const traces =
    traceName === undefined ? loaded.suite.traces : loaded.suite.traces.filter((t) => t.name === traceName);
  if (traces.length === 0) {
    const names = loaded.suite.traces.map((t) => t.name);
    const near = traceName === undefined ? undefined : closest(traceName, names);
    console.error(
      `✗ no trace "${traceName}" in ${path}${near !== undefined ? `; did you mean "${near}"?` : ''}` +
        `\n  traces: ${names.join(', ')}`,
    );
    return 2;
  }

  console.log(`${label}: ${expression}`);
  printCapabilities(parsed.ast);
  for (const t of traces)
    console.log(`\n${explainTrace(parsed.ast, `${loaded.suite.name}#${t.name}`, t, ruleId)}`);
  return 0;
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

/** `users.yaml#numeric-username` → file and trace; without `#`, every trace in the file. */
function splitTarget(target: string): [string, string | undefined] {
  const hash = target.lastIndexOf('#');
  return hash === -1 ? [target, undefined] : [target.slice(0, hash), target.slice(hash + 1)];
}

function printCapabilities(ast: FilterAst): void {
  const { unevaluable, needsData } = compileFilter(ast).capabilities;
  for (const n of unevaluable)
    console.log(`  ! ${n.line}:${n.column} ${n.text}: never decided offline (${n.reason})`);
  for (const n of needsData) console.log(`  ! ${n.line}:${n.column} ${n.text}: needs ${n.reason}`);
}

function explainTrace(
  ast: FilterAst,
  name: string,
  fixture: RuleTestTrace,
  ruleId: string | undefined,
): string {
  const tree = explainFilter(ast, fixture.trace);
  const verdict = tree.result === 'unknown' ? 'unknown' : tree.result ? 'match' : 'no match';
  const lines = [`${name}: ${verdict}`];
  if (fixture.description !== undefined) lines.push(`  (${fixture.description})`);
  if (ruleId !== undefined) {
    const expected = fixture.match.includes(ruleId)
      ? 'match'
      : fixture.noMatch.includes(ruleId)
        ? 'no match'
        : undefined;
    if (expected !== undefined)
      lines.push(`  fixture expects ${expected}: ${expected === verdict ? 'ok' : 'MISMATCH'}`);
  }
  lines.push(formatExplain(tree, '  '));
  return lines.join('\n');
}
