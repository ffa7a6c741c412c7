/**
 * The syntax tree of an X-Ray filter expression. Every node keeps the span of source it came
 * from, so errors, `explainFilter` and `explainCapabilities` can quote the text as written
 * (`Annotation.username`, not a normalised form) and point at a column.
 */

/** Half-open range of UTF-16 offsets into the source: `source.slice(start, end)`. */
export interface Span {
  start: number;
  end: number;
}

/** Where a keyword is allowed: the trace level, or inside one of the braced sub-filters. */
export type Scope =
  'trace' | 'service' | 'edge' | 'rootcause-entity' | 'rootcause-service' | 'rootcause-exception';

export type ValueType = 'boolean' | 'number' | 'string';

/** Canonical (lower-case) names of the keywords that are not `annotation.*`. */
export type SimpleKeyword =
  | 'ok'
  | 'error'
  | 'throttle'
  | 'fault'
  | 'partial'
  | 'inferred'
  | 'first'
  | 'last'
  | 'remote'
  | 'root'
  | 'responsetime'
  | 'duration'
  | 'http.status'
  | 'index'
  | 'coverage'
  | 'http.url'
  | 'http.method'
  | 'http.useragent'
  | 'http.clientip'
  | 'user'
  | 'id'
  | 'name'
  | 'type'
  | 'message'
  | 'availabilityzone'
  | 'instance.id'
  | 'resource.arn'
  | 'group.name'
  | 'group.arn';

export type FieldRef =
  | { kind: 'keyword'; keyword: SimpleKeyword; valueType: ValueType; span: Span }
  /** `annotation.KEY` (form `dot`) or `annotation[KEY]` (form `bracket`); KEY is case-sensitive. */
  | { kind: 'annotation'; key: string; form: 'dot' | 'bracket'; span: Span };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'CONTAINS' | 'BEGINSWITH' | 'ENDSWITH';

export type Literal =
  /** `quoted: false` marks a bare word such as `traces` in AWS's example `name = traces`. */
  | { type: 'string'; value: string; quoted: boolean; span: Span }
  | { type: 'number'; value: number; span: Span }
  | { type: 'boolean'; value: boolean; span: Span };

/** `keyword op value`, e.g. `responsetime > 3` or `annotation.username = "anonymous"`. */
export interface CompareNode {
  type: 'compare';
  field: FieldRef;
  op: CompareOp;
  /** Where the operator is written, for errors about it. */
  opSpan: Span;
  value: Literal;
  span: Span;
}

/**
 * A keyword on its own: a boolean keyword is true when the flag is set (`fault`), a string
 * keyword or annotation is true when it has a value (`annotation.age`, `http.url`).
 */
export interface TestNode {
  type: 'test';
  field: FieldRef;
  span: Span;
}

export interface AndNode {
  type: 'and';
  operands: ExprNode[];
  span: Span;
}

export interface OrNode {
  type: 'or';
  operands: ExprNode[];
  span: Span;
}

export interface NotNode {
  type: 'not';
  operand: ExprNode;
  span: Span;
}

/** `service()` (any service), `service("name")`, or `service(id(name: …, type: …, account.id: …))`. */
export type ServiceSelector =
  | { kind: 'any'; span: Span }
  | { kind: 'name'; name: string; span: Span }
  | { kind: 'id'; name?: string; type?: string; accountId?: string; span: Span };

export interface ServiceNode {
  type: 'service';
  selector: ServiceSelector;
  /** Absent for `service("x")` without braces: the trace reaches that service. */
  filter?: ExprNode;
  span: Span;
}

export interface EdgeNode {
  type: 'edge';
  source: ServiceSelector;
  destination: ServiceSelector;
  filter?: ExprNode;
  span: Span;
}

export type RootCauseCategory = 'fault' | 'error' | 'responsetime';
export type RootCauseTarget = 'entity' | 'service' | 'exception';

export interface RootCauseNode {
  type: 'rootcause';
  category: RootCauseCategory;
  target: RootCauseTarget;
  filter: ExprNode;
  span: Span;
}

/** `rootcause.json = #[…]` or `json = #[…]`: kept as parsed JSON, never evaluated offline. */
export interface JsonNode {
  type: 'json';
  keyword: 'rootcause.json' | 'json';
  op: '=' | '!=';
  value: unknown;
  span: Span;
}

export type ExprNode =
  CompareNode | TestNode | AndNode | OrNode | NotNode | ServiceNode | EdgeNode | RootCauseNode | JsonNode;

/** A parsed filter: the tree plus the source its spans index into. */
export interface FilterAst {
  source: string;
  root: ExprNode;
}

/** The source text of a node, as the user wrote it. */
export function nodeText(ast: FilterAst, node: { span: Span }): string {
  return ast.source.slice(node.span.start, node.span.end);
}
