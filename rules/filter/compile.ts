/**
 * Compiles a filter once into a tree of closures, so evaluating a trace is a few direct calls
 * and comparisons with no AST walking, no switch on node types and no allocation.
 *
 * Logic is three-valued (Kleene): a clause that cannot be decided offline is unknown
 * (`undefined`). `false AND unknown` is false and `true OR unknown` is true, so an unknown part
 * only matters when the answer depends on it. Subtrees that can never be unknown compile to
 * plain boolean closures (`total`), which is the fast path for the rules we ship.
 */
import type {
  CompareNode,
  CompareOp,
  EdgeNode,
  ExprNode,
  FilterAst,
  JsonNode,
  Literal,
  RootCauseNode,
  Scope,
  ServiceNode,
  ServiceSelector,
  TestNode,
} from './ast';
import { FilterParseError, FilterUnknownError } from './errors';
import {
  annotationValues,
  FIELD_TABLES,
  identityNames,
  type Access,
  type FieldTable,
  type Positioned,
  type ScopeContexts,
} from './fields';
import { explainCapabilities, type FilterCapabilities } from './capabilities';
import { parseFilter } from './parser';
import type {
  AnnotationValue,
  RootCause,
  RootCauseEntity,
  RootCauseException,
  RootCauseService,
  ServiceIdentity,
  Trace,
} from './trace';

export type Compiled<C> =
  { total: true; fn: (ctx: C) => boolean } | { total: false; fn: (ctx: C) => boolean | undefined };

export interface CompiledFilter {
  /** Whether the trace matches. Throws `FilterUnknownError` when that cannot be decided offline. */
  (trace: Trace): boolean;
  /** The same, three-valued: `undefined` when the answer depends on something unknown. Never throws. */
  readonly outcome: (trace: Trace) => boolean | undefined;
  /** What in this filter cannot be decided offline, or only with extra trace data. */
  readonly capabilities: FilterCapabilities;
  readonly source: string;
}

/** Parses (if given a string) and compiles a filter. Throws `FilterParseError` on bad syntax. */
export function compileFilter(input: FilterAst | string): CompiledFilter {
  const ast = toAst(input);
  const compiled = compileNode(ast.root, 'trace');
  const capabilities = explainCapabilities(ast);
  const source = ast.source;
  let predicate: (trace: Trace) => boolean;
  let outcome: (trace: Trace) => boolean | undefined;
  if (compiled.total) {
    predicate = compiled.fn;
    outcome = compiled.fn;
  } else {
    const fn = compiled.fn;
    outcome = fn;
    predicate = (trace) => {
      const result = fn(trace);
      if (result === undefined) throw new FilterUnknownError(source, trace.id);
      return result;
    };
  }
  return Object.assign(predicate, { outcome, capabilities, source });
}

export function toAst(input: FilterAst | string): FilterAst {
  if (typeof input !== 'string') return input;
  const parsed = parseFilter(input);
  if (!parsed.ok) throw new FilterParseError(input, parsed.errors);
  return parsed.ast;
}

/** Compiles one node for a scope; the explainer uses it for leaves so both agree by construction. */
export function compileNode<S extends Scope>(node: ExprNode, scope: S): Compiled<ScopeContexts[S]> {
  switch (node.type) {
    case 'and':
      return all(node.operands.map((o) => compileNode(o, scope)));
    case 'or':
      return any(node.operands.map((o) => compileNode(o, scope)));
    case 'not':
      return not(compileNode(node.operand, scope));
    case 'compare':
    case 'test':
      return compileLeaf(node, FIELD_TABLES[scope] as FieldTable<ScopeContexts[S]>);
    case 'service':
    case 'edge':
    case 'rootcause':
    case 'json':
      // The parser admits these only at the trace level.
      if (scope !== 'trace') throw new Error(`internal: ${node.type} outside the trace level`);
      return compileTraceLevel(node) as Compiled<ScopeContexts[S]>;
  }
}

function compileTraceLevel(node: ServiceNode | EdgeNode | RootCauseNode | JsonNode): Compiled<Trace> {
  switch (node.type) {
    case 'service':
      return compileService(node);
    case 'edge':
      return compileEdge(node);
    case 'rootcause':
      return compileRootCause(node);
    case 'json':
      return UNKNOWN;
  }
}

const UNKNOWN: Compiled<unknown> = { total: false, fn: () => undefined };

// ---- boolean structure ---------------------------------------------------------------------

function all<C>(parts: Compiled<C>[]): Compiled<C> {
  if (parts.every((p) => p.total)) {
    const fns = parts.map((p) => p.fn as (ctx: C) => boolean);
    if (fns.length === 2) {
      const [a, b] = fns as [(ctx: C) => boolean, (ctx: C) => boolean];
      return { total: true, fn: (c) => a(c) && b(c) };
    }
    if (fns.length === 3) {
      const [a, b, d] = fns as [(ctx: C) => boolean, (ctx: C) => boolean, (ctx: C) => boolean];
      return { total: true, fn: (c) => a(c) && b(c) && d(c) };
    }
    return {
      total: true,
      fn: (c) => {
        for (let i = 0; i < fns.length; i++) if (!fns[i]!(c)) return false;
        return true;
      },
    };
  }
  const fns = parts.map((p) => p.fn);
  return {
    total: false,
    fn: (c) => {
      let unknown = false;
      for (let i = 0; i < fns.length; i++) {
        const r = fns[i]!(c);
        if (r === false) return false;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : true;
    },
  };
}

function any<C>(parts: Compiled<C>[]): Compiled<C> {
  if (parts.every((p) => p.total)) {
    const fns = parts.map((p) => p.fn as (ctx: C) => boolean);
    if (fns.length === 2) {
      const [a, b] = fns as [(ctx: C) => boolean, (ctx: C) => boolean];
      return { total: true, fn: (c) => a(c) || b(c) };
    }
    return {
      total: true,
      fn: (c) => {
        for (let i = 0; i < fns.length; i++) if (fns[i]!(c)) return true;
        return false;
      },
    };
  }
  const fns = parts.map((p) => p.fn);
  return {
    total: false,
    fn: (c) => {
      let unknown = false;
      for (let i = 0; i < fns.length; i++) {
        const r = fns[i]!(c);
        if (r === true) return true;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : false;
    },
  };
}

function not<C>(part: Compiled<C>): Compiled<C> {
  if (part.total) {
    const f = part.fn;
    return { total: true, fn: (c) => !f(c) };
  }
  const f = part.fn;
  return {
    total: false,
    fn: (c) => {
      const r = f(c);
      return r === undefined ? undefined : !r;
    },
  };
}

// ---- leaves --------------------------------------------------------------------------------

export function compileLeaf<C>(node: CompareNode | TestNode, fields: FieldTable<C>): Compiled<C> {
  const field = node.field;
  if (field.kind === 'annotation') {
    // Only reachable at the trace level (the parser rejects annotations elsewhere).
    const compiled = compileAnnotation(node, field.key);
    return compiled as unknown as Compiled<C>;
  }
  const access = fields[field.keyword];
  if (access === undefined) throw new Error(`internal: no accessor for ${field.keyword}`);
  return node.type === 'test' ? compileTest(access) : compileCompare(access, node.op, node.value);
}

function compileTest<C>(access: Access<C>): Compiled<C> {
  switch (access.kind) {
    case 'unevaluable':
      return UNKNOWN;
    case 'boolean':
      return access.needs === undefined ? { total: true, fn: access.get } : { total: false, fn: access.get };
    case 'number':
      // The parser rejects a bare number keyword; presence is the only sensible reading.
      return presence(access.get, access.missing);
    case 'string':
      return presence(access.get, access.missing);
    case 'strings': {
      const get = access.get;
      return { total: true, fn: (c) => get(c).length > 0 };
    }
  }
}

function presence<C, V>(get: (ctx: C) => V | undefined, missing: false | undefined): Compiled<C> {
  if (missing === false) return { total: true, fn: (c) => get(c) !== undefined };
  return { total: false, fn: (c) => (get(c) === undefined ? undefined : true) };
}

function compileCompare<C>(access: Access<C>, op: CompareOp, value: Literal): Compiled<C> {
  switch (access.kind) {
    case 'unevaluable':
      return UNKNOWN;
    case 'boolean': {
      const want = value.type === 'boolean' ? value.value : true;
      const equal = op === '=';
      if (access.needs === undefined) {
        const g = access.get;
        return { total: true, fn: equal ? (c) => g(c) === want : (c) => g(c) !== want };
      }
      const get = access.get;
      return {
        total: false,
        fn: (c) => {
          const v = get(c);
          return v === undefined ? undefined : (v === want) === equal;
        },
      };
    }
    case 'number': {
      if (value.type !== 'number') return FALSE;
      return single(access.get, numberTest(op, value.value), access.missing);
    }
    case 'string': {
      if (value.type !== 'string') return FALSE;
      return single(access.get, stringTest(op, value.value), access.missing);
    }
    case 'strings': {
      if (value.type !== 'string') return FALSE;
      const get = access.get;
      const test = stringTest(op, value.value);
      return {
        total: true,
        fn: (c) => {
          const values = get(c);
          for (let i = 0; i < values.length; i++) if (test(values[i]!)) return true;
          return false;
        },
      };
    }
  }
}

const FALSE: Compiled<unknown> = { total: true, fn: () => false };

function single<C, V>(
  get: (ctx: C) => V | undefined,
  test: (v: V) => boolean,
  missing: false | undefined,
): Compiled<C> {
  if (missing === false) {
    return {
      total: true,
      fn: (c) => {
        const v = get(c);
        return v !== undefined && test(v);
      },
    };
  }
  return {
    total: false,
    fn: (c) => {
      const v = get(c);
      return v === undefined ? undefined : test(v);
    },
  };
}

export function numberTest(op: CompareOp, n: number): (v: number) => boolean {
  switch (op) {
    case '=':
      return (v) => v === n;
    case '!=':
      return (v) => v !== n;
    case '<':
      return (v) => v < n;
    case '<=':
      return (v) => v <= n;
    case '>':
      return (v) => v > n;
    case '>=':
      return (v) => v >= n;
    default:
      return () => false;
  }
}

/** String comparisons are case-sensitive, as X-Ray's are for values. */
export function stringTest(op: CompareOp, s: string): (v: string) => boolean {
  switch (op) {
    case '=':
      return (v) => v === s;
    case '!=':
      return (v) => v !== s;
    case 'CONTAINS':
      return (v) => v.includes(s);
    case 'BEGINSWITH':
      return (v) => v.startsWith(s);
    case 'ENDSWITH':
      return (v) => v.endsWith(s);
    default:
      return () => false;
  }
}

/**
 * A test on one annotation value. Types are not coerced: a string literal only ever matches
 * string values, a number only numbers, `true`/`false` only booleans.
 */
export function annotationValueTest(op: CompareOp, value: Literal): (v: AnnotationValue) => boolean {
  switch (value.type) {
    case 'string': {
      const test = stringTest(op, value.value);
      return (v) => typeof v === 'string' && test(v);
    }
    case 'number': {
      const test = numberTest(op, value.value);
      return (v) => typeof v === 'number' && test(v);
    }
    case 'boolean': {
      const want = value.value;
      return op === '=' ? (v) => v === want : (v) => typeof v === 'boolean' && v !== want;
    }
  }
}

/** True when ANY value of the annotation, in any segment, satisfies the comparison. */
function compileAnnotation(node: CompareNode | TestNode, key: string): Compiled<Trace> {
  if (node.type === 'test') return { total: true, fn: (t) => annotationValues(t, key) !== undefined };
  const string = node.value.type === 'string' ? node.value.value : undefined;
  // The string operators the rules use get their own loop, so each call site sees one
  // operation and the JIT can inline it; other comparisons share a generic per-value test.
  if (string !== undefined && node.op === 'CONTAINS' && string === '') {
    return { total: true, fn: (t) => someValue(t, key, (v) => typeof v === 'string') };
  }
  if (string !== undefined && node.op === '=') {
    return {
      total: true,
      fn: (t) => {
        const values = t.annotations[key];
        if (!Array.isArray(values)) return false;
        for (let i = 0; i < values.length; i++) if (values[i] === string) return true;
        return false;
      },
    };
  }
  if (string !== undefined && node.op === '!=') {
    return {
      total: true,
      fn: (t) => {
        const values = t.annotations[key];
        if (!Array.isArray(values)) return false;
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          if (typeof v === 'string' && v !== string) return true;
        }
        return false;
      },
    };
  }
  const test = annotationValueTest(node.op, node.value);
  return { total: true, fn: (t) => someValue(t, key, test) };
}

function someValue(t: Trace, key: string, test: (v: AnnotationValue) => boolean): boolean {
  const values = t.annotations[key];
  if (!Array.isArray(values)) return false;
  for (let i = 0; i < values.length; i++) if (test(values[i]!)) return true;
  return false;
}

// ---- service / edge / rootcause ----------------------------------------------------------

export function selectorMatcher(selector: ServiceSelector): (s: ServiceIdentity) => boolean {
  switch (selector.kind) {
    case 'any':
      return () => true;
    case 'name': {
      const name = selector.name;
      return (s) => s.name === name || (s.names !== undefined && s.names.includes(name));
    }
    case 'id': {
      const { name, type, accountId } = selector;
      return (s) =>
        (name === undefined || identityNames(s).includes(name)) &&
        (type === undefined || s.type === type) &&
        (accountId === undefined || s.accountId === accountId);
    }
  }
}

/** True when some item satisfies `test`; unknown when none does but some item is unknown. */
function exists<T>(items: readonly T[], test: (item: T) => boolean | undefined): boolean | undefined {
  let unknown = false;
  for (let i = 0; i < items.length; i++) {
    const r = test(items[i]!);
    if (r === true) return true;
    if (r === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}

function compileService(node: ServiceNode): Compiled<Trace> {
  const match = selectorMatcher(node.selector);
  if (node.filter === undefined) return { total: true, fn: (t) => t.services.some(match) };
  const inner = compileNode(node.filter, 'service');
  const f = inner.fn;
  const fn = (t: Trace) => exists(t.services, (s) => (match(s) ? f(s) : false));
  return inner.total ? { total: true, fn: (t) => fn(t) === true } : { total: false, fn };
}

function compileEdge(node: EdgeNode): Compiled<Trace> {
  const source = selectorMatcher(node.source);
  const destination = selectorMatcher(node.destination);
  const inner = node.filter === undefined ? undefined : compileNode(node.filter, 'edge').fn;
  return {
    total: false,
    fn: (t) => {
      if (t.edges === undefined) return undefined;
      return exists(t.edges, (e) =>
        source(e.source) && destination(e.destination) ? (inner === undefined ? true : inner(e)) : false,
      );
    },
  };
}

const CATEGORY_KEY = { fault: 'fault', error: 'error', responsetime: 'responseTime' } as const;

export function rootCausesOf(trace: Trace, node: RootCauseNode): readonly RootCause[] | undefined {
  return trace.rootCauses?.[CATEGORY_KEY[node.category]];
}

/** Services of every root cause, positioned in their cause's service chain. */
export function rootCauseServices(causes: readonly RootCause[]): Positioned<RootCauseService>[] {
  return causes.flatMap((c) =>
    c.services.map((item, position) => ({ item, position, count: c.services.length })),
  );
}

/** Entities of every root-cause service, positioned in their service's entity path. */
export function rootCauseEntities(causes: readonly RootCause[]): Positioned<RootCauseEntity>[] {
  return rootCauseServices(causes).flatMap(({ item: s }) =>
    s.entityPath.map((item, position) => ({ item, position, count: s.entityPath.length })),
  );
}

/** Exceptions of every root-cause entity, positioned in their entity's exception list. */
export function rootCauseExceptions(causes: readonly RootCause[]): Positioned<RootCauseException>[] {
  return rootCauseEntities(causes).flatMap(({ item: e }) =>
    e.exceptions.map((item, position) => ({ item, position, count: e.exceptions.length })),
  );
}

function compileRootCause(node: RootCauseNode): Compiled<Trace> {
  switch (node.target) {
    case 'service':
      return rootCauseExists(node, compileNode(node.filter, 'rootcause-service').fn, rootCauseServices);
    case 'entity':
      return rootCauseExists(node, compileNode(node.filter, 'rootcause-entity').fn, rootCauseEntities);
    case 'exception':
      return rootCauseExists(node, compileNode(node.filter, 'rootcause-exception').fn, rootCauseExceptions);
  }
}

function rootCauseExists<T>(
  node: RootCauseNode,
  inner: (item: Positioned<T>) => boolean | undefined,
  items: (causes: readonly RootCause[]) => Positioned<T>[],
): Compiled<Trace> {
  return {
    total: false,
    fn: (t) => {
      const causes = rootCausesOf(t, node);
      return causes === undefined ? undefined : exists(items(causes), inner);
    },
  };
}
