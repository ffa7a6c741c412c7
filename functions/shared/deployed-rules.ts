/**
 * Where a function finds its rule set: the file the construct deploys beside its code (a Lambda
 * layer, so it lands under `/opt`), named by `UIA_RULE_SET_FILE`. Read once per container, at
 * init; a missing or invalid file fails the cold start with a {@link ConfigError} that says what
 * to do, so no event is handled with no rules or half of them.
 *
 * | UIA_RULE_SET_FILE | file                        | result                                     |
 * |-------------------|-----------------------------|--------------------------------------------|
 * | unset             | /opt/uia/rule-set.json      | the construct's layer                      |
 * | a path            | that file                   | local runs and tests write their own       |
 * | any               | missing                     | ConfigError: deploy with the construct     |
 * | any               | not a deployed rule set     | ConfigError with what it is not            |
 * | any               | rules that do not validate  | ConfigError listing every problem          |
 */
import { readFileSync } from 'node:fs';
import { RuleSetError, formatIssue } from '../../rules/errors';
import { parseDeployedRuleSet } from '../../rules/deployed';
import type { RuleSet } from '../../rules/schema';
import type { Env } from './config';
import { ConfigError } from './errors';

export const RULE_SET_FILE_ENV = 'UIA_RULE_SET_FILE';
/** Lambda extracts layers under /opt; the rule-set layer holds `uia/rule-set.json`. */
export const DEFAULT_RULE_SET_FILE = '/opt/uia/rule-set.json';

export function loadDeployedRuleSet(env: Env = process.env): RuleSet {
  const file = env[RULE_SET_FILE_ENV]?.trim() || DEFAULT_RULE_SET_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([
      `${RULE_SET_FILE_ENV}: cannot read the rule set at ${file} (${code}): deploy the function with the UserImpactAlerting construct, which adds the rule-set layer, or point ${RULE_SET_FILE_ENV} at a file written by serializeRuleSet()`,
    ]);
  }
  try {
    return parseDeployedRuleSet(text);
  } catch (error) {
    if (error instanceof RuleSetError) {
      throw new ConfigError(error.issues.map((issue) => `${file}: ${formatIssue(issue)}`));
    }
    throw new ConfigError([`${file}: ${error instanceof Error ? error.message : String(error)}`]);
  }
}
