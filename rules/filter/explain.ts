/**
 * Clause-by-clause explanation of how a filter decided one trace, for rule tests and the
 * `explain` command. Leaf results come from the compiled leaf closures (`compileLeaf`) and
 * compound results follow the same three-valued rules as the compiler, so an explanation
 * cannot disagree with the evaluator; this module adds only the "why".
 */
import { nodeText, type CompareNode, type ExprNode, type FilterAst, type Scope, type TestNode } from './ast';
import {
  compileLeaf,
  rootCauseEntities,
  rootCauseExceptions,
  rootCauseServices,
  rootCausesOf,
  selectorMatcher,
  toAst,
} from './compile';
import {
  annotationValues,
  EDGE_DATA_NEEDS,
  FIELD_TABLES,
  JSON_REASON,
  ROOT_CAUSE_DATA_NEEDS,
  type FieldTable,
  type Positioned,
  type ScopeContexts,
} from './fields';
import type { AnnotationValue, ServiceIdentity, Trace } from './trace';

export type ExplainResult = boolean | 'unknown';

export interface ExplainNode {
  kind: 'and' | 'or' | 'not' | 'clause' | 'service' | 'edge' | 'rootcause' | 'json' | 'candidate';
  /** The clause as written, or a label for a candidate (`service "cart"`). */
  text: string;
  result: ExplainResult;
  /** Why, in terms of the trace's values: `value is "alice"`, `annotation "username" is absent`. */
  why: string;
  children: ExplainNode[];
}

/** Explains how `filter` decides `trace`; the root's `result` equals the compiled outcome. */
export function explainFilter(filter: FilterAst | string, trace: Trace): ExplainNode {
  const ast = toAst(filter);
  return explainNode(ast, ast.root, 'trace', trace);
}

function explainNode<S extends Scope>(
  ast: FilterAst,
  node: ExprNode,
  scope: S,
  ctx: ScopeContexts[S],
): ExplainNode {
  const text = nodeText(ast, node);
  switch (node.type) {
    case 'and': {
      const children = node.operands.map((o) => explainNode(ast, o, scope, ctx));
      const result = kleeneAll(children.map((c) => c.result));
      return { kind: 'and', text, result, why: summarise(children, result, 'and'), children };
    }
    case 'or': {
      const children = node.operands.map((o) => explainNode(ast, o, scope, ctx));
      const result = kleeneAny(children.map((c) => c.result));
      return { kind: 'or', text, result, why: summarise(children, result, 'or'), children };
    }
    case 'not': {
      const child = explainNode(ast, node.operand, scope, ctx);
      const result = child.result === 'unknown' ? 'unknown' : !child.result;
      return {
        kind: 'not',
        text,
        result,
        why: `negates a clause that is ${show(child.result)}`,
        children: [child],
      };
    }
    case 'compare':
    case 'test': {
      const fields = FIELD_TABLES[scope] as FieldTable<ScopeContexts[S]>;
      const outcome = compileLeaf(node, fields).fn(ctx);
      return {
        kind: 'clause',
        text,
        result: outcome ?? 'unknown',
        why: describeLeaf(node, fields, ctx),
        children: [],
      };
    }
    case 'service':
    case 'edge':
    case 'rootcause':
    case 'json':
      return explainTraceLevel(ast, node, text, ctx as Trace);
  }
}

function explainTraceLevel(
  ast: FilterAst,
  node: Extract<ExprNode, { type: 'service' | 'edge' | 'rootcause' | 'json' }>,
  text: string,
  trace: Trace,
): ExplainNode {
  switch (node.type) {
    case 'json':
      return { kind: 'json', text, result: 'unknown', why: JSON_REASON, children: [] };
    case 'service': {
      const match = selectorMatcher(node.selector);
      const candidates = trace.services.filter(match);
      const names = trace.services.map((s) => JSON.stringify(s.name)).join(', ') || 'none';
      if (candidates.length === 0) {
        return {
          kind: 'service',
          text,
          result: false,
          why: `no service in the trace matches (services: ${names})`,
          children: [],
        };
      }
      if (node.filter === undefined) {
        return {
          kind: 'service',
          text,
          result: true,
          why: `the trace reaches ${listNames(candidates)}`,
          children: [],
        };
      }
      const filter = node.filter;
      const children = candidates.map((s) =>
        candidate(`service ${JSON.stringify(s.name)}`, explainNode(ast, filter, 'service', s)),
      );
      const result = kleeneAny(children.map((c) => c.result));
      return {
        kind: 'service',
        text,
        result,
        why: existsWhy(children, result, 'matching service'),
        children,
      };
    }
    case 'edge': {
      if (trace.edges === undefined) {
        return { kind: 'edge', text, result: 'unknown', why: `needs ${EDGE_DATA_NEEDS}`, children: [] };
      }
      const source = selectorMatcher(node.source);
      const destination = selectorMatcher(node.destination);
      const edges = trace.edges.filter((e) => source(e.source) && destination(e.destination));
      if (edges.length === 0) {
        return {
          kind: 'edge',
          text,
          result: false,
          why: 'no edge in the trace connects these services',
          children: [],
        };
      }
      const filter = node.filter;
      if (filter === undefined) {
        return { kind: 'edge', text, result: true, why: `${edges.length} matching edge(s)`, children: [] };
      }
      const children = edges.map((e) =>
        candidate(
          `edge ${JSON.stringify(e.source.name)} -> ${JSON.stringify(e.destination.name)}`,
          explainNode(ast, filter, 'edge', e),
        ),
      );
      const result = kleeneAny(children.map((c) => c.result));
      return { kind: 'edge', text, result, why: existsWhy(children, result, 'matching edge'), children };
    }
    case 'rootcause': {
      const causes = rootCausesOf(trace, node);
      if (causes === undefined) {
        return {
          kind: 'rootcause',
          text,
          result: 'unknown',
          why: `needs ${ROOT_CAUSE_DATA_NEEDS}`,
          children: [],
        };
      }
      const children = rootCauseChildren(ast, node, causes);
      const result = kleeneAny(children.map((c) => c.result));
      const why =
        children.length === 0
          ? `the trace has no ${node.category} root-cause ${node.target}`
          : existsWhy(children, result, `root-cause ${node.target}`);
      return { kind: 'rootcause', text, result, why, children };
    }
  }
}

function rootCauseChildren(
  ast: FilterAst,
  node: Extract<ExprNode, { type: 'rootcause' }>,
  causes: Parameters<typeof rootCauseServices>[0],
): ExplainNode[] {
  const label = (kind: string, name: string | undefined, p: Positioned<unknown>) =>
    `${kind} ${JSON.stringify(name ?? '')} (${p.position + 1} of ${p.count})`;
  switch (node.target) {
    case 'service':
      return rootCauseServices(causes).map((p) =>
        candidate(label('service', p.item.name, p), explainNode(ast, node.filter, 'rootcause-service', p)),
      );
    case 'entity':
      return rootCauseEntities(causes).map((p) =>
        candidate(label('entity', p.item.name, p), explainNode(ast, node.filter, 'rootcause-entity', p)),
      );
    case 'exception':
      return rootCauseExceptions(causes).map((p) =>
        candidate(
          label('exception', p.item.name, p),
          explainNode(ast, node.filter, 'rootcause-exception', p),
        ),
      );
  }
}

function candidate(label: string, inner: ExplainNode): ExplainNode {
  return {
    kind: 'candidate',
    text: label,
    result: inner.result,
    why: `filter is ${show(inner.result)}`,
    children: [inner],
  };
}

// ---- why ---------------------------------------------------------------------------------

function describeLeaf<C>(node: CompareNode | TestNode, fields: FieldTable<C>, ctx: C): string {
  const field = node.field;
  if (field.kind === 'annotation') return describeAnnotation(node, field.key, ctx as Trace);
  const name = field.keyword;
  const access = fields[name];
  if (access === undefined || access.kind === 'unevaluable') {
    return `unknown offline: ${access?.reason ?? 'no data'}`;
  }
  switch (access.kind) {
    case 'boolean': {
      const v = access.get(ctx);
      return v === undefined ? `${name} is not recorded: needs ${access.needs ?? 'data'}` : `${name} is ${v}`;
    }
    case 'number':
    case 'string': {
      const v = access.get(ctx);
      if (v !== undefined) return `${name} is ${JSON.stringify(v)}`;
      return access.missing === false
        ? `${name} has no value`
        : `${name} is not recorded: needs ${access.needs ?? 'data'}`;
    }
    case 'strings': {
      const values = access.get(ctx);
      return values.length === 0 ? `no ${name} value` : `${name} ${plural(values)}`;
    }
  }
}

function describeAnnotation(node: CompareNode | TestNode, key: string, trace: Trace): string {
  const values = annotationValues(trace, key);
  if (values === undefined) {
    const near = Object.keys(trace.annotations).find((k) => k.toLowerCase() === key.toLowerCase());
    const hint = near !== undefined ? `; keys are case-sensitive and the trace has "${near}"` : '';
    return `annotation "${key}" is absent${hint}`;
  }
  const base = plural(values);
  if (node.type === 'test') return `annotation present, ${base}`;
  const want = node.value.type;
  if (!values.some((v) => typeof v === want))
    return `${base}; no ${want} value to compare (types are not converted)`;
  return base;
}

function plural(values: readonly AnnotationValue[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? `value is ${shown[0]}` : `values are ${shown.join(', ')}`;
}

function listNames(services: readonly ServiceIdentity[]): string {
  return services.map((s) => `service ${JSON.stringify(s.name)}`).join(', ');
}

function summarise(children: readonly ExplainNode[], result: ExplainResult, op: 'and' | 'or'): string {
  const count = (r: ExplainResult) => children.filter((c) => c.result === r).length;
  const n = children.length;
  if (op === 'and') {
    if (result === true) return `all ${n} clauses are true`;
    if (result === false) return `${count(false)} of ${n} clauses false`;
    return `no clause is false, ${count('unknown')} unknown`;
  }
  if (result === true) return `${count(true)} of ${n} clauses true`;
  if (result === false) return `none of ${n} clauses is true`;
  return `no clause is true, ${count('unknown')} unknown`;
}

function existsWhy(children: readonly ExplainNode[], result: ExplainResult, what: string): string {
  const n = children.length;
  if (result === true)
    return `${children.filter((c) => c.result === true).length} of ${n} ${what}(s) satisfy the filter`;
  if (result === false) return `none of ${n} ${what}(s) satisfies the filter`;
  return `no ${what} satisfies the filter for sure; ${children.filter((c) => c.result === 'unknown').length} unknown`;
}

function show(result: ExplainResult): string {
  return result === 'unknown' ? 'unknown' : String(result);
}

function kleeneAll(results: readonly ExplainResult[]): ExplainResult {
  if (results.includes(false)) return false;
  return results.includes('unknown') ? 'unknown' : true;
}

function kleeneAny(results: readonly ExplainResult[]): ExplainResult {
  if (results.includes(true)) return true;
  return results.includes('unknown') ? 'unknown' : false;
}

const MARK: Record<string, string> = { true: '✓', false: '✗', unknown: '?' };

/**
 * Indented text, one clause per line: `✗ annotation.username = "anonymous": false (value is "alice")`.
 * AND/OR lines show the operator instead of repeating the whole expression.
 */
export function formatExplain(node: ExplainNode, indent = ''): string {
  const label = node.kind === 'and' ? 'AND' : node.kind === 'or' ? 'OR' : node.text;
  const line = `${indent}${MARK[String(node.result)]} ${label}: ${show(node.result)} (${node.why})`;
  return [line, ...node.children.map((c) => formatExplain(c, `${indent}  `))].join('\n');
}
