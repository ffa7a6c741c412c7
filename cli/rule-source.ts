/**
 * Where the rules CLI gets its rules: a rule file of the team that runs it, never this
 * repository's rules by accident. The file exports what `defineRuleSet()` returns; the CLI
 * validates it like the construct does at synth.
 *
 * | what                 | how it is found                                                               |
 * |----------------------|-------------------------------------------------------------------------------|
 * | the rule file        | `--rules <file>`, else `$UIA_RULES`, else the entry's default (`uia`: `alerting/rules.ts`, then `.mts`, `.js`, `.mjs`; `npm run rules` here: `rules/index.ts`) |
 * | its export           | `default`, else `ruleSetDefinition`, else `ruleSet`                            |
 * | TypeScript rule files | loaded through tsx's ESM hooks (`tsx/esm/api` `register()`), so a team needs no build step and no loader flag |
 * | rule-test fixtures   | `--tests <dir>`, else `tests/` beside the rule file                            |
 *
 * Failures say what to do: a missing file names every place looked at and the flag; a module
 * without a rule-set export names the exports it has.
 *
 * Rejected: a config file of its own (one more file for one path; the flag and the convention
 * cover it), and `tsImport()` (it loads the rule file's imports again under its own namespace,
 * so the package the rules import would be a second copy of the one running the CLI).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadRuleSet } from '../rules/load';
import type { RuleSet, RuleSetInput } from '../rules/schema';

export interface RuleSource {
  /** The rule file, absolute. */
  file: string;
  /** Its rule-set definition, not yet validated. */
  definition: RuleSetInput;
  /** Where `test` reads fixtures by default and `explain` looks up relative fixture paths. */
  testsDir: string;
  /** The definition validated now; throws RuleSetError listing every problem. */
  ruleSet(): RuleSet;
}

/** A problem with the rule file itself (not with the rules in it): exit code 2. */
export class RuleFileError extends Error {
  override name = 'RuleFileError';
}

export const RULES_ENV = 'UIA_RULES';
const EXPORTS = ['default', 'ruleSetDefinition', 'ruleSet'] as const;
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** A source from a definition already in hand (tests, this repository's rules). */
export function ruleSourceOf(definition: RuleSetInput, file: string, testsDir: string): RuleSource {
  let validated: RuleSet | undefined;
  return {
    file,
    definition,
    testsDir,
    ruleSet: () => (validated ??= loadRuleSet(definition, { now: new Date() })),
  };
}

/** The rule file to use: the flag, the environment, then the first default that exists. */
export function findRuleFile(
  flag: string | undefined,
  defaults: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string {
  const given = flag ?? env[RULES_ENV]?.trim();
  if (given) {
    const file = resolve(cwd, given);
    if (!isFile(file)) {
      throw new RuleFileError(`rule file not found: ${file}${flag ? '' : ` (from $${RULES_ENV})`}`);
    }
    return file;
  }
  const candidates = defaults.map((d) => resolve(cwd, d));
  const found = candidates.find(isFile);
  if (found) return found;
  throw new RuleFileError(
    `no rule file: looked for ${candidates.join(', ')}; pass --rules <file> or set ${RULES_ENV} (the file exports defineRuleSet({ ... }) as its default export)`,
  );
}

export interface LoadOptions {
  /** @default `tests/` beside the rule file */
  testsDir?: string | undefined;
  /** Register tsx for a TypeScript rule file; false when the process already runs under tsx. @default true */
  registerTypeScript?: boolean;
}

/** Imports a rule file and takes its rule-set export. */
export async function loadRuleFile(file: string, options: LoadOptions = {}): Promise<RuleSource> {
  if ((options.registerTypeScript ?? true) && TYPESCRIPT.has(extname(file))) await registerTypeScript();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new RuleFileError(
      `cannot load ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const name = EXPORTS.find((key) => isObject(module[key]));
  if (name === undefined) {
    throw new RuleFileError(
      `${file} exports no rule set: export defineRuleSet({ ... }) as default (exports found: ${Object.keys(module).join(', ') || 'none'})`,
    );
  }
  return ruleSourceOf(module[name] as RuleSetInput, file, options.testsDir ?? join(dirname(file), 'tests'));
}

let registered: Promise<void> | undefined;
function registerTypeScript(): Promise<void> {
  return (registered ??= import('tsx/esm/api').then(({ register }) => {
    register();
  }));
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}
