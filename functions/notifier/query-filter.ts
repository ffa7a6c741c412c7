/**
 * The filter expression enrichment sends to GetTraceSummaries: the rule's group expression,
 * so the traces examined are exactly the group's; for a FAULT Insight narrowed to faulted
 * traces, because the insight is about the group's fault rate and a page should name the
 * users who saw faults, not everyone in the group.
 *
 * Parenthesising keeps the rule's own AND/OR precedence intact: `a OR b AND fault` would
 * mean `a OR (b AND fault)`. The composition is checked with the rules/filter parser in tests.
 */
import { parseFilter } from '../../rules/filter';
import type { ExprNode } from '../../rules/filter';
import type { Rule } from '../../rules/schema';
import type { Alert } from './alert';

export function enrichmentFilter(alert: Alert, rule: Pick<Rule, 'group'>): string {
  const expression = rule.group.filterExpression.trim();
  if (alert.kind === 'insight' && alert.insight.categories.some((c) => c.toUpperCase() === 'FAULT')) {
    return narrowToFaults(expression);
  }
  return expression;
}

export function narrowToFaults(expression: string): string {
  const parsed = parseFilter(expression);
  // A group that already selects only faults (`… AND fault`) needs no second `AND fault`:
  // the page shows this filter to the on-call engineer, who should not have to wonder why.
  if (parsed.ok && requiresFault(parsed.ast.root)) return expression;
  return `(${expression}) AND fault`;
}

function requiresFault(node: ExprNode): boolean {
  if (node.type === 'and') return node.operands.some(requiresFault);
  const isFault = (n: ExprNode) =>
    (n.type === 'test' || n.type === 'compare') && n.field.kind === 'keyword' && n.field.keyword === 'fault';
  if (node.type === 'test') return isFault(node);
  return node.type === 'compare' && isFault(node) && node.op === '=' && node.value.value === true;
}
