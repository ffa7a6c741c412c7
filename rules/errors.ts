/** One problem in a rule set: which rule, which field, what is wrong. */
export interface RuleIssue {
  /** Rule id when the problem belongs to one rule; undefined for set-level problems. */
  ruleId: string | undefined;
  /** Dotted field path inside the rule (or inside the set when `ruleId` is undefined). */
  path: string;
  message: string;
}

export function formatIssue(issue: RuleIssue): string {
  const where = issue.ruleId ? `rule "${issue.ruleId}"` : 'rule set';
  return `${where}${issue.path ? ` at ${issue.path}` : ''}: ${issue.message}`;
}

/** Thrown by `loadRuleSet()` with every problem found, so one run shows them all. */
export class RuleSetError extends Error {
  override readonly name = 'RuleSetError';
  readonly issues: readonly RuleIssue[];

  constructor(issues: readonly RuleIssue[]) {
    super(
      `Invalid rule set: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => `  - ${formatIssue(i)}`).join('\n'),
    );
    this.issues = issues;
  }
}
