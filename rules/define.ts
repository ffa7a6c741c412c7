/**
 * Typed helpers for rule files. They only type the input (editor completion, compile-time
 * checks); validation with defaults happens once, in `loadRuleSet()`.
 */
import type { RuleInput, RuleSetInput } from './schema';

export function defineRule<const T extends RuleInput>(rule: T): T {
  return rule;
}

export function defineRuleSet<const T extends RuleSetInput>(ruleSet: T): T {
  return ruleSet;
}
