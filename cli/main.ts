/**
 * The rules CLI, shared by its two entries: `npx uia rules <command>` from the published package
 * (package/cli.ts) and `npm run rules -- <command>` in this repository (cli/rules.ts). They
 * differ only in where the rule file is looked for by default (cli/rule-source.ts).
 *
 * Each command lives in cli/commands/<name>.ts and exports `run(argv, deps)` and
 * `depsFor(source)`: the rule source decides the rules, the command everything else.
 *
 * Exit codes: 0 ok; 1 the rules do not validate (every problem listed) or the command failed;
 * 2 bad usage or a rule file that cannot be found or loaded.
 */
import { parseArgs } from 'node:util';
import { RuleSetError, formatIssue } from '../rules/errors';
import { findRuleFile, loadRuleFile, RuleFileError, RULES_ENV, type RuleSource } from './rule-source';

interface CommandModule {
  run(argv: string[], deps: never): Promise<number>;
  depsFor(source: RuleSource): unknown;
}

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  check: {
    summary: 'validate the rule set and print what it would deploy',
    load: () => import('./commands/check'),
  },
  test: {
    summary: 'run the rule tests (the tests directory’s *.yaml) and print failures as diffs',
    load: () => import('./commands/test'),
  },
  explain: {
    summary: 'explain <rule-id|--expr EXPR> <fixture.yaml>[#trace]: why each trace matched or not',
    load: () => import('./commands/explain'),
  },
  preview: {
    summary: 'preview <event.json> [--enrich] [--email]: the page the notifier would send for an event',
    load: () => import('./commands/preview'),
  },
  backtest: {
    summary:
      'backtest <rule-id>|--all [traces.jsonl | --live --since 6h] [--expr E] [--set k=v] [--json] [--html F]: what it would have paged, for whom',
    load: () => import('./commands/backtest'),
  },
  fire: {
    summary: 'fire <rule-id> [--resolve] [--note TEXT]: put a TEST alert for the rule on EventBridge',
    load: () => import('./commands/fire'),
  },
};

export interface RulesCliEntry {
  /** How the user invoked it, for usage lines: `uia rules`, `npm run rules --`. */
  program: string;
  /** Rule files tried in order when neither `--rules` nor `$UIA_RULES` names one. */
  defaultRuleFiles: readonly string[];
  /** False when the process already loads TypeScript (tsx). */
  registerTypeScript: boolean;
}

/** Splits `--rules <file>` and `--tests <dir>` (anywhere) from the command's own arguments. */
export function splitGlobalOptions(argv: readonly string[]): {
  rules: string | undefined;
  tests: string | undefined;
  rest: string[];
} {
  const { values, tokens } = parseArgs({
    args: [...argv],
    options: { rules: { type: 'string' }, tests: { type: 'string' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const taken = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || (token.name !== 'rules' && token.name !== 'tests')) continue;
    taken.add(token.index);
    if (token.inlineValue === false) taken.add(token.index + 1);
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { rules: str(values.rules), tests: str(values.tests), rest: argv.filter((_, i) => !taken.has(i)) };
}

export async function rulesMain(argv: readonly string[], entry: RulesCliEntry): Promise<number> {
  const { rules, tests, rest } = splitGlobalOptions(argv);
  const [name, ...args] = rest;
  const command = name ? commands[name] : undefined;
  if (!command) return usage(name, entry);
  let source: RuleSource;
  try {
    const file = findRuleFile(rules, entry.defaultRuleFiles);
    source = await loadRuleFile(file, { testsDir: tests, registerTypeScript: entry.registerTypeScript });
  } catch (error) {
    if (!(error instanceof RuleFileError)) throw error;
    console.error(`✗ ${error.message}`);
    return 2;
  }
  const module = await command.load();
  let deps: unknown;
  try {
    deps = module.depsFor(source);
  } catch (error) {
    if (!(error instanceof RuleSetError)) throw error;
    console.error(`✗ ${error.issues.length} problem(s) in the rule set (${source.file}):`);
    for (const issue of error.issues) console.error(`  - ${formatIssue(issue)}`);
    return 1;
  }
  return module.run(args, deps as never);
}

function usage(name: string | undefined, entry: RulesCliEntry): number {
  const asked = !name || name === 'help' || name === '--help' || name === '-h';
  if (!asked) console.error(`unknown command "${name}"\n`);
  console.error(`usage: ${entry.program} [--rules <file>] [--tests <dir>] <command> [args]\n`);
  for (const [n, c] of Object.entries(commands)) console.error(`  ${n.padEnd(10)} ${c.summary}`);
  console.error(
    `\nrule file: --rules, else $${RULES_ENV}, else ${entry.defaultRuleFiles.join(', ')}; fixtures: --tests, else tests/ beside the rule file`,
  );
  return asked ? 0 : 2;
}
