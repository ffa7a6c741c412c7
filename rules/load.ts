/**
 * `loadRuleSet()`: shape (zod) and semantics (validate.ts) in one pass, reporting every
 * problem at once. Rules are parsed one by one so that a malformed rule does not hide the
 * semantic problems of the others.
 */
import type { z } from 'zod';
import { RuleSetError, type RuleIssue } from './errors';
import { ruleSchema, ruleSetSchema, type Rule, type RuleSet, type RuleSetInput } from './schema';
import { validateRuleSet, type ValidateOptions } from './validate';

export type LoadOptions = ValidateOptions;

export function loadRuleSet(input: RuleSetInput, options: LoadOptions = {}): RuleSet {
  const { ruleSet, issues } = checkRuleSet(input, options);
  if (issues.length > 0 || !ruleSet) throw new RuleSetError(issues);
  return ruleSet;
}

/** Like `loadRuleSet()` but returns the problems instead of throwing (for CLIs and tests). */
export function checkRuleSet(
  input: RuleSetInput,
  options: LoadOptions = {},
): { ruleSet: RuleSet | undefined; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const rawRules: unknown[] = Array.isArray(input.rules) ? input.rules : [];

  const base = ruleSetSchema.safeParse({ ...input, rules: [] });
  if (!base.success) issues.push(...fromZod(base.error, undefined, ''));
  if (!Array.isArray(input.rules)) {
    issues.push({ ruleId: undefined, path: 'rules', message: 'must be an array of rules' });
  }

  const rules: Rule[] = [];
  const invalidRuleIds = new Set<string>();
  const firstIndex = new Map<string, number>();
  rawRules.forEach((raw, index) => {
    const id = rawId(raw);
    const parsed = ruleSchema.safeParse(raw);
    if (parsed.success) rules.push(parsed.data);
    else {
      issues.push(...fromZod(parsed.error, id ?? `rules[${index}]`, ''));
      if (id !== undefined) invalidRuleIds.add(id);
    }
    // On raw ids, so a duplicate is reported even when one of the copies is malformed.
    if (id === undefined) return;
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else
      issues.push({
        ruleId: id,
        path: 'id',
        message: `duplicate rule id (rules[${first}] and rules[${index}])`,
      });
  });

  if (!base.success) return { ruleSet: undefined, issues };
  const ruleSet: RuleSet = { ...base.data, rules };
  issues.push(...validateRuleSet(ruleSet, { ...options, invalidRuleIds }));
  return { ruleSet: issues.length === 0 ? ruleSet : undefined, issues };
}

function rawId(raw: unknown): string | undefined {
  if (typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string') return raw.id;
  return undefined;
}

function fromZod(error: z.ZodError, ruleId: string | undefined, prefix: string): RuleIssue[] {
  return error.issues.map((issue) => ({
    ruleId,
    path: prefix + formatPath(issue.path),
    message: issue.message,
  }));
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}
