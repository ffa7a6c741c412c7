/**
 * What in a filter can be decided offline. Reading the same field table as the evaluator, it
 * lists the clauses that are always unknown offline and those that need data a trace may not
 * carry, so a rule author knows before a test runs which answers cannot be trusted.
 */
import { nodeText, type ExprNode, type FilterAst, type Scope } from './ast';
import { locate } from './errors';
import { EDGE_DATA_NEEDS, FIELD_TABLES, JSON_REASON, ROOT_CAUSE_DATA_NEEDS } from './fields';

export interface CapabilityNote {
  /** The clause as written. */
  text: string;
  line: number;
  column: number;
  reason: string;
}

export interface FilterCapabilities {
  /** True when no clause is unevaluable offline (some may still need trace data: `needsData`). */
  offline: boolean;
  /** Clauses no offline trace can decide: a compiled filter reports them as unknown. */
  unevaluable: CapabilityNote[];
  /** Clauses decided only when the trace carries the named data; without it they are unknown. */
  needsData: CapabilityNote[];
}

export function explainCapabilities(ast: FilterAst): FilterCapabilities {
  const unevaluable: CapabilityNote[] = [];
  const needsData: CapabilityNote[] = [];
  const note = (list: CapabilityNote[], node: ExprNode, reason: string) =>
    list.push({ text: nodeText(ast, node), ...locate(ast.source, node.span.start), reason });

  const visit = (node: ExprNode, scope: Scope): void => {
    switch (node.type) {
      case 'and':
      case 'or':
        node.operands.forEach((o) => visit(o, scope));
        return;
      case 'not':
        visit(node.operand, scope);
        return;
      case 'compare':
      case 'test': {
        if (node.field.kind === 'annotation') return;
        const access = FIELD_TABLES[scope][node.field.keyword];
        if (access === undefined || access.kind === 'unevaluable') {
          note(unevaluable, node, access?.reason ?? `${node.field.keyword} has no meaning here`);
        } else if ('needs' in access && access.needs !== undefined) {
          note(needsData, node, access.needs);
        }
        return;
      }
      case 'service':
        if (node.filter !== undefined) visit(node.filter, 'service');
        return;
      case 'edge':
        note(needsData, node, EDGE_DATA_NEEDS);
        if (node.filter !== undefined) visit(node.filter, 'edge');
        return;
      case 'rootcause':
        note(needsData, node, ROOT_CAUSE_DATA_NEEDS);
        visit(node.filter, `rootcause-${node.target}`);
        return;
      case 'json':
        note(unevaluable, node, JSON_REASON);
        return;
    }
  };
  visit(ast.root, 'trace');
  return { offline: unevaluable.length === 0, unevaluable, needsData };
}
