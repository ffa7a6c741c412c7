#!/usr/bin/env node
/**
 * The package's command (`npx uia …`). `uia rules <command>` is the rules CLI (cli/main.ts) on
 * the team's own rule file: `--rules <file>`, `$UIA_RULES`, or `alerting/rules.ts` (then `.mts`,
 * `.js`, `.mjs`) in the working directory, and the fixtures in `tests/` beside it.
 */
import { createRequire } from 'node:module';
import { rulesMain } from '../cli/main';

const DEFAULT_RULE_FILES = [
  'alerting/rules.ts',
  'alerting/rules.mts',
  'alerting/rules.js',
  'alerting/rules.mjs',
];

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (group === 'rules') {
    return rulesMain(rest, {
      program: 'uia rules',
      defaultRuleFiles: DEFAULT_RULE_FILES,
      registerTypeScript: true,
    });
  }
  if (group === '--version' || group === '-v') {
    console.log((createRequire(import.meta.url)('../package.json') as { version: string }).version);
    return 0;
  }
  const asked = group === undefined || group === 'help' || group === '--help' || group === '-h';
  if (!asked) console.error(`unknown command "${group}"\n`);
  console.error(
    'usage: uia rules [--rules <file>] [--tests <dir>] <check|test|explain|preview|backtest|fire> [args]',
  );
  console.error('       uia --version');
  return asked ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
