/**
 * The keyword table: each keyword's value type and the scopes AWS documents it in. The parser
 * uses it to reject a keyword outside its scope (so `last` at the trace level fails here, not
 * in AWS) and the suggester draws "did you mean" candidates from it.
 *
 * Scopes come from where the AWS dev guide describes or uses a keyword (aws-events.md §4):
 * trace-level keywords; `root` in `service(…) {…}` (example 9); `inferred`, `name`, `type`,
 * `index`, `first`/`last` in `rootcause.*.service {…}` (examples 8, 12, 16, 17);
 * `remote`, `coverage`, `name`, `last` in `rootcause.*.entity {…}` (6, 7, 13);
 * `message`, `last` in `rootcause.*.exception {…}` (18).
 */
import type { Scope, SimpleKeyword, ValueType } from './ast';

export interface KeywordSpec {
  keyword: SimpleKeyword;
  valueType: ValueType;
  scopes: readonly Scope[];
  /** Set when AWS's keyword list does not contain it: parsing succeeds with a warning. */
  undocumented?: string;
}

const TRACE_LIKE: readonly Scope[] = ['trace', 'service', 'edge'];
const ROOT_CAUSE_ALL: readonly Scope[] = ['rootcause-entity', 'rootcause-service', 'rootcause-exception'];

const SPECS: readonly KeywordSpec[] = [
  { keyword: 'ok', valueType: 'boolean', scopes: TRACE_LIKE },
  { keyword: 'error', valueType: 'boolean', scopes: TRACE_LIKE },
  { keyword: 'throttle', valueType: 'boolean', scopes: TRACE_LIKE },
  { keyword: 'fault', valueType: 'boolean', scopes: TRACE_LIKE },
  { keyword: 'partial', valueType: 'boolean', scopes: TRACE_LIKE },
  { keyword: 'root', valueType: 'boolean', scopes: ['service'] },
  { keyword: 'inferred', valueType: 'boolean', scopes: ['rootcause-service'] },
  { keyword: 'first', valueType: 'boolean', scopes: ROOT_CAUSE_ALL },
  { keyword: 'last', valueType: 'boolean', scopes: ROOT_CAUSE_ALL },
  { keyword: 'remote', valueType: 'boolean', scopes: ['rootcause-entity'] },
  { keyword: 'responsetime', valueType: 'number', scopes: TRACE_LIKE },
  { keyword: 'duration', valueType: 'number', scopes: TRACE_LIKE },
  { keyword: 'http.status', valueType: 'number', scopes: TRACE_LIKE },
  { keyword: 'index', valueType: 'number', scopes: ROOT_CAUSE_ALL },
  { keyword: 'coverage', valueType: 'number', scopes: ['rootcause-entity'] },
  { keyword: 'http.url', valueType: 'string', scopes: TRACE_LIKE },
  { keyword: 'http.method', valueType: 'string', scopes: TRACE_LIKE },
  { keyword: 'http.useragent', valueType: 'string', scopes: TRACE_LIKE },
  { keyword: 'http.clientip', valueType: 'string', scopes: TRACE_LIKE },
  { keyword: 'user', valueType: 'string', scopes: TRACE_LIKE },
  {
    keyword: 'id',
    valueType: 'string',
    scopes: ['trace'],
    undocumented:
      'AWS documents id(...) only as a service selector; "id" as the trace id keyword is not in its list',
  },
  { keyword: 'name', valueType: 'string', scopes: ROOT_CAUSE_ALL },
  { keyword: 'type', valueType: 'string', scopes: ['rootcause-service'] },
  { keyword: 'message', valueType: 'string', scopes: ['rootcause-exception'] },
  { keyword: 'availabilityzone', valueType: 'string', scopes: ['trace'] },
  { keyword: 'instance.id', valueType: 'string', scopes: ['trace'] },
  { keyword: 'resource.arn', valueType: 'string', scopes: ['trace'] },
  { keyword: 'group.name', valueType: 'string', scopes: ['trace'] },
  { keyword: 'group.arn', valueType: 'string', scopes: ['trace'] },
];

const BY_NAME: ReadonlyMap<string, KeywordSpec> = new Map(SPECS.map((s) => [s.keyword, s]));

/** Looks a keyword up case-insensitively (`responseTime` is `responsetime`). */
export function lookupKeyword(text: string): KeywordSpec | undefined {
  return BY_NAME.get(text.toLowerCase());
}

export const SIMPLE_KEYWORDS: readonly string[] = SPECS.map((s) => s.keyword);

/** Words that open a complex construct; they are not `keyword op value` terms. */
export const COMPLEX_KEYWORDS: readonly string[] = [
  'service',
  'edge',
  'rootcause.json',
  'json',
  'annotation',
];

export const ROOT_CAUSE_KEYWORDS: readonly string[] = ['fault', 'error', 'responsetime'].flatMap((c) =>
  ['entity', 'service', 'exception'].map((t) => `rootcause.${c}.${t}`),
);

/** Operators spelled as words; matched case-insensitively. */
export const WORD_OPERATORS = ['CONTAINS', 'BEGINSWITH', 'ENDSWITH'] as const;

export const SCOPE_LABEL: Record<Scope, string> = {
  trace: 'at the trace level',
  service: 'inside service(...) { }',
  edge: 'inside edge(...) { }',
  'rootcause-entity': 'inside rootcause.*.entity { }',
  'rootcause-service': 'inside rootcause.*.service { }',
  'rootcause-exception': 'inside rootcause.*.exception { }',
};

/** Keywords usable in a scope, for "available there: …" hints. */
export function keywordsInScope(scope: Scope): string[] {
  return SPECS.filter((s) => s.scopes.includes(scope) && !s.undocumented).map((s) => s.keyword);
}
