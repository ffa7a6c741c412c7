/**
 * The rule set as a deployment carries it: the construct validates the consumer's rules at synth
 * and writes them with {@link serializeRuleSet} into a file the notifier and digest read at cold
 * start ({@link parseDeployedRuleSet}), so the published function code serves any rule set and a
 * rule change redeploys configuration only (infra/constructs/rule-set-layer.ts).
 *
 * The file is versioned (`format`): a function of another major refuses a file it cannot read
 * instead of guessing. It holds the *validated* set (defaults filled in); parsing validates it
 * again with the same schema, because a file can be edited by hand or come from another version.
 *
 * Rejected: the rule set in an environment variable (Lambda allows 4 KB for all of them; a
 * rule set of 25 rules is larger), and an SSM parameter or S3 object read at cold start (one more
 * call, permission and failure mode on the path of every page, for what never changes between
 * deployments).
 */
import { RuleSetError } from './errors';
import { loadRuleSet } from './load';
import type { RuleSet, RuleSetInput } from './schema';

/** The one format this version writes and reads. */
export const DEPLOYED_RULE_SET_FORMAT = 'user-impact-alerting/rule-set@1';

/** A validated rule set as the file the functions read. */
export function serializeRuleSet(ruleSet: RuleSet): string {
  return `${JSON.stringify({ format: DEPLOYED_RULE_SET_FORMAT, ruleSet }, null, 2)}\n`;
}

/**
 * The rule set in a deployment file, validated (without a clock: a silence that has ended simply
 * stops applying). Throws {@link RuleSetError} with every problem, or an Error saying what the
 * file is not.
 */
export function parseDeployedRuleSet(text: string): RuleSet {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (typeof data !== 'object' || data === null || !('format' in data) || !('ruleSet' in data)) {
    throw new Error(
      `not a deployed rule set: expected { "format": "${DEPLOYED_RULE_SET_FORMAT}", "ruleSet": … }`,
    );
  }
  if (data.format !== DEPLOYED_RULE_SET_FORMAT) {
    throw new Error(
      `rule set format ${JSON.stringify(data.format)} is not ${DEPLOYED_RULE_SET_FORMAT}: deploy the functions and the rules with the same version of the construct`,
    );
  }
  const ruleSet = data.ruleSet;
  if (typeof ruleSet !== 'object' || ruleSet === null) {
    throw new RuleSetError([{ ruleId: undefined, path: '', message: 'ruleSet must be an object' }]);
  }
  return loadRuleSet(ruleSet as RuleSetInput);
}
