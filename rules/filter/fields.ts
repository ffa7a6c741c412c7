/**
 * What each keyword reads, per scope: the single table behind the evaluator, the explainer and
 * `explainCapabilities`, so the three cannot disagree about what a keyword means offline.
 *
 * An accessor returns `undefined` for "no value" or for "not recorded"; `missing` says which
 * one: `false` (X-Ray has no value, so every comparison is false) or `undefined` (the trace
 * model lacks the data, so the clause is unknown, and `needs` names the data).
 */
import type { Scope, SimpleKeyword } from './ast';
import type {
  AnnotationValue,
  RootCauseEntity,
  RootCauseException,
  RootCauseService,
  ServiceIdentity,
  Trace,
  TraceEdge,
  TraceService,
} from './trace';

export type Access<C> =
  | { kind: 'boolean'; get: (ctx: C) => boolean; needs?: undefined }
  /** `get` returns undefined when the data was not recorded; `needs` names that data. */
  | { kind: 'boolean'; get: (ctx: C) => boolean | undefined; needs: string }
  | { kind: 'number'; get: (ctx: C) => number | undefined; missing: false | undefined; needs?: string }
  | { kind: 'string'; get: (ctx: C) => string | undefined; missing: false | undefined; needs?: string }
  /** Multi-valued: true when any value matches; an empty list matches nothing. */
  | { kind: 'strings'; get: (ctx: C) => readonly string[] }
  | { kind: 'unevaluable'; reason: string };

export type FieldTable<C> = Partial<Record<SimpleKeyword, Access<C>>>;

/** A root-cause item with its position in the path it belongs to (for `first` / `last`). */
export interface Positioned<T> {
  item: T;
  position: number;
  count: number;
}

export interface ScopeContexts {
  trace: Trace;
  service: TraceService;
  edge: TraceEdge;
  'rootcause-service': Positioned<RootCauseService>;
  'rootcause-entity': Positioned<RootCauseEntity>;
  'rootcause-exception': Positioned<RootCauseException>;
}

/** `ok` is "2XX": none of the error flags set. Unknown when a flag is unknown and none is set. */
function okFrom(fault: boolean | undefined, error: boolean | undefined, throttle: boolean | undefined) {
  if (fault === true || error === true || throttle === true) return false;
  if (fault === undefined || error === undefined || throttle === undefined) return undefined;
  return true;
}

const GROUP_REASON =
  'group membership is decided by X-Ray against its stored groups; offline there is no group to look up';
const INDEX_REASON = 'AWS does not document what "index" counts in a root cause, so it is not guessed';

export const TRACE_FIELDS: FieldTable<Trace> = {
  ok: { kind: 'boolean', get: (t) => !(t.fault || t.error || t.throttle) },
  fault: { kind: 'boolean', get: (t) => t.fault },
  error: { kind: 'boolean', get: (t) => t.error },
  throttle: { kind: 'boolean', get: (t) => t.throttle },
  partial: { kind: 'boolean', get: (t) => t.partial },
  responsetime: { kind: 'number', get: (t) => t.responseTime, missing: false },
  duration: { kind: 'number', get: (t) => t.duration, missing: false },
  'http.status': { kind: 'number', get: (t) => t.http.status, missing: false },
  'http.url': { kind: 'string', get: (t) => t.http.url, missing: false },
  'http.method': { kind: 'string', get: (t) => t.http.method, missing: false },
  'http.useragent': { kind: 'string', get: (t) => t.http.userAgent, missing: false },
  'http.clientip': { kind: 'string', get: (t) => t.http.clientIp, missing: false },
  id: { kind: 'string', get: (t) => t.id, missing: false },
  user: { kind: 'strings', get: (t) => t.users },
  availabilityzone: { kind: 'strings', get: (t) => t.availabilityZones },
  'instance.id': { kind: 'strings', get: (t) => t.instanceIds },
  'resource.arn': { kind: 'strings', get: (t) => t.resourceArns },
  'group.name': { kind: 'unevaluable', reason: GROUP_REASON },
  'group.arn': { kind: 'unevaluable', reason: GROUP_REASON },
};

const SERVICE_NEEDS = 'per-service flags and response times (trace.services[]); a summary has none';
const NOT_MODELLED = 'the trace model keeps no per-service http, user, duration or partial data';

const PER_SERVICE_UNMODELLED: FieldTable<unknown> = {
  partial: { kind: 'unevaluable', reason: NOT_MODELLED },
  duration: { kind: 'unevaluable', reason: NOT_MODELLED },
  'http.status': { kind: 'unevaluable', reason: NOT_MODELLED },
  'http.url': { kind: 'unevaluable', reason: NOT_MODELLED },
  'http.method': { kind: 'unevaluable', reason: NOT_MODELLED },
  'http.useragent': { kind: 'unevaluable', reason: NOT_MODELLED },
  'http.clientip': { kind: 'unevaluable', reason: NOT_MODELLED },
  user: { kind: 'unevaluable', reason: NOT_MODELLED },
};

export const SERVICE_FIELDS: FieldTable<TraceService> = {
  ...PER_SERVICE_UNMODELLED,
  ok: { kind: 'boolean', get: (s) => okFrom(s.fault, s.error, s.throttle), needs: SERVICE_NEEDS },
  fault: { kind: 'boolean', get: (s) => s.fault, needs: SERVICE_NEEDS },
  error: { kind: 'boolean', get: (s) => s.error, needs: SERVICE_NEEDS },
  throttle: { kind: 'boolean', get: (s) => s.throttle, needs: SERVICE_NEEDS },
  root: { kind: 'boolean', get: (s) => s.root, needs: SERVICE_NEEDS },
  responsetime: { kind: 'number', get: (s) => s.responseTime, missing: undefined, needs: SERVICE_NEEDS },
};

const EDGE_NEEDS = 'per-edge flags and response times (trace.edges[])';

export const EDGE_FIELDS: FieldTable<TraceEdge> = {
  ...PER_SERVICE_UNMODELLED,
  ok: { kind: 'boolean', get: (e) => okFrom(e.fault, e.error, e.throttle), needs: EDGE_NEEDS },
  fault: { kind: 'boolean', get: (e) => e.fault, needs: EDGE_NEEDS },
  error: { kind: 'boolean', get: (e) => e.error, needs: EDGE_NEEDS },
  throttle: { kind: 'boolean', get: (e) => e.throttle, needs: EDGE_NEEDS },
  responsetime: { kind: 'number', get: (e) => e.responseTime, missing: undefined, needs: EDGE_NEEDS },
};

// Root-cause data comes straight from X-Ray's analysis, which omits false flags and absent
// values, so a missing field there is "no", not "unknown".
const first = { kind: 'boolean', get: (p: Positioned<unknown>) => p.position === 0 } as const;
const last = { kind: 'boolean', get: (p: Positioned<unknown>) => p.position === p.count - 1 } as const;
const index = { kind: 'unevaluable', reason: INDEX_REASON } as const;

export const ROOT_CAUSE_SERVICE_FIELDS: FieldTable<Positioned<RootCauseService>> = {
  name: { kind: 'strings', get: (p) => identityNames(p.item) },
  type: { kind: 'string', get: (p) => p.item.type, missing: false },
  inferred: { kind: 'boolean', get: (p) => p.item.inferred === true },
  first,
  last,
  index,
};

export const ROOT_CAUSE_ENTITY_FIELDS: FieldTable<Positioned<RootCauseEntity>> = {
  name: { kind: 'string', get: (p) => p.item.name, missing: false },
  remote: { kind: 'boolean', get: (p) => p.item.remote === true },
  coverage: { kind: 'number', get: (p) => p.item.coverage, missing: false },
  first,
  last,
  index,
};

const EXCEPTION_POSITION =
  'AWS does not document what first/last mean for exceptions (in the path, or in one entity), so it is not guessed';

export const ROOT_CAUSE_EXCEPTION_FIELDS: FieldTable<Positioned<RootCauseException>> = {
  name: { kind: 'string', get: (p) => p.item.name, missing: false },
  message: { kind: 'string', get: (p) => p.item.message, missing: false },
  first: { kind: 'unevaluable', reason: EXCEPTION_POSITION },
  last: { kind: 'unevaluable', reason: EXCEPTION_POSITION },
  index,
};

export const FIELD_TABLES: { [S in Scope]: FieldTable<ScopeContexts[S]> } = {
  trace: TRACE_FIELDS,
  service: SERVICE_FIELDS,
  edge: EDGE_FIELDS,
  'rootcause-service': ROOT_CAUSE_SERVICE_FIELDS,
  'rootcause-entity': ROOT_CAUSE_ENTITY_FIELDS,
  'rootcause-exception': ROOT_CAUSE_EXCEPTION_FIELDS,
};

export function identityNames(s: ServiceIdentity): readonly string[] {
  return s.names === undefined || s.names.length === 0 ? [s.name] : [s.name, ...s.names];
}

/** The values of one annotation over all segments, or undefined when no segment set it. */
export function annotationValues(t: Trace, key: string): readonly AnnotationValue[] | undefined {
  const values = t.annotations[key];
  // Guards against inherited keys such as "constructor": only an own array is an annotation.
  return Array.isArray(values) && values.length > 0 ? values : undefined;
}

/** Unknown-data reasons for the complex keywords, used by the explainer and capabilities. */
export const EDGE_DATA_NEEDS = 'edge data (trace.edges); GetTraceSummaries does not return it';
export const ROOT_CAUSE_DATA_NEEDS = 'root-cause analysis (trace.rootCauses)';
export const JSON_REASON =
  'rootcause.json / json match X-Ray Insights root-cause JSON, which has no offline model';
