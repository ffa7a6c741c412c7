/**
 * `npm run rules -- <command>`: the rules CLI on this repository's rules (rules/index.ts and
 * rules/tests/) unless `--rules` names another file. The published package runs the same CLI
 * as `uia rules` (package/cli.ts); cli/main.ts has the commands.
 */
import { fileURLToPath } from 'node:url';
import { rulesMain } from './main';

rulesMain(process.argv.slice(2), {
  program: 'npm run rules --',
  defaultRuleFiles: [fileURLToPath(new URL('../rules/index.ts', import.meta.url))],
  // npm run rules runs under tsx already.
  registerTypeScript: false,
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
