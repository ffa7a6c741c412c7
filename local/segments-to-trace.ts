/**
 * Segment documents (as the X-Ray SDKs send them to the daemon) → the project's `Trace`.
 *
 * Documents arrive in two kinds, and one trace usually mixes both:
 * - segments (no `type`), each a service's view of the request, subsegments nested inline;
 * - streamed subsegments (`type: "subsegment"`, `parent_id`, `trace_id`), which is all the
 *   X-Ray SDK sends in Lambda: the function segment itself is emitted by the Lambda service.
 *
 * What a complete local trace needs (the local Lambda runner sends what AWS would):
 * 1. a root segment without `parent_id` (API Gateway, `origin: "AWS::ApiGateway::Stage"`)
 *    with `start_time`, `end_time`, `http.request` and `http.response.status`, and
 *    `fault`/`error` set as the client saw it: trace-level HasFault/HasError come from it;
 * 2. the function segment (`origin: "AWS::Lambda::Function"`) whose `id` is the
 *    `Parent=` of `_X_AMZN_TRACE_ID` and whose `parent_id` is the root's id;
 * 3. the SDK's subsegments, whose `parent_id` is that function segment id.
 * Without a root segment the trace is still stored, but marked partial, with no HTTP data
 * and with fault/error false, as X-Ray would have nothing to read them from.
 */
import { z } from 'zod';
import type {
  AnnotationValue,
  RootCause,
  RootCauseEntity,
  Trace,
  TraceEdge,
  TraceService,
} from '../rules/filter/trace';

const exceptionSchema = z.looseObject({
  message: z.string().optional(),
  type: z.string().optional(),
  remote: z.boolean().optional(),
});

const httpSchema = z.looseObject({
  request: z
    .looseObject({
      method: z.string().optional(),
      url: z.string().optional(),
      user_agent: z.string().optional(),
      client_ip: z.string().optional(),
    })
    .optional(),
  response: z.looseObject({ status: z.number().optional() }).optional(),
});

const baseSegmentSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  trace_id: z.string().optional(),
  parent_id: z.string().optional(),
  type: z.string().optional(),
  start_time: z.number(),
  end_time: z.number().optional(),
  in_progress: z.boolean().optional(),
  fault: z.boolean().optional(),
  error: z.boolean().optional(),
  throttle: z.boolean().optional(),
  origin: z.string().optional(),
  namespace: z.string().optional(),
  user: z.string().optional(),
  resource_arn: z.string().optional(),
  http: httpSchema.optional(),
  annotations: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  // An object with exceptions, or (for a repeated exception) the id of the entity holding it.
  cause: z.union([z.string(), z.looseObject({ exceptions: z.array(exceptionSchema).optional() })]).optional(),
  aws: z
    .looseObject({
      account_id: z.string().optional(),
      ec2: z
        .looseObject({ instance_id: z.string().optional(), availability_zone: z.string().optional() })
        .optional(),
    })
    .optional(),
});

export type SegmentDocument = z.output<typeof baseSegmentSchema> & { subsegments?: SegmentDocument[] };

export const segmentDocumentSchema: z.ZodType<SegmentDocument> = baseSegmentSchema.extend({
  subsegments: z.lazy(() => z.array(segmentDocumentSchema)).optional(),
});

/** One segment or subsegment with where it hangs in the trace. */
interface Entity {
  doc: SegmentDocument;
  parentId: string | undefined;
  isSegment: boolean;
}

export function segmentsToTrace(documents: readonly SegmentDocument[]): Trace {
  if (documents.length === 0) throw new Error('a trace needs at least one segment document');
  const entities = flatten(documents);
  const byId = new Map(entities.map((e) => [e.doc.id, e]));
  const segments = entities.filter((e) => e.isSegment);
  const root = segments
    .filter((s) => s.parentId === undefined || !byId.has(s.parentId))
    .sort((a, b) => a.doc.start_time - b.doc.start_time)[0];
  const ownerOf = (entity: Entity): Entity | undefined => {
    let current: Entity | undefined = entity;
    const seen = new Set<string>();
    while (current && !current.isSegment && !seen.has(current.doc.id)) {
      seen.add(current.doc.id);
      current = current.parentId === undefined ? undefined : byId.get(current.parentId);
    }
    return current?.isSegment ? current : undefined;
  };
  const orphaned = entities.some((e) => !e.isSegment && ownerOf(e) === undefined);

  const starts = entities.map((e) => e.doc.start_time);
  const ends = entities.flatMap((e) => (e.doc.end_time === undefined ? [] : [e.doc.end_time]));
  const startTime = Math.min(...starts);
  const endTime = ends.length > 0 ? Math.max(...ends) : undefined;
  const rootHttp = root?.doc.http;

  return {
    id: documents[0]?.trace_id ?? documents[0]?.id ?? 'unknown',
    startTime,
    ...(endTime === undefined ? {} : { duration: round(endTime - startTime) }),
    ...(root && elapsed(root.doc) !== undefined ? { responseTime: elapsed(root.doc) } : {}),
    http: {
      ...(rootHttp?.response?.status === undefined ? {} : { status: rootHttp.response.status }),
      ...(rootHttp?.request?.url === undefined ? {} : { url: rootHttp.request.url }),
      ...(rootHttp?.request?.method === undefined ? {} : { method: rootHttp.request.method }),
      ...(rootHttp?.request?.user_agent === undefined ? {} : { userAgent: rootHttp.request.user_agent }),
      ...(rootHttp?.request?.client_ip === undefined ? {} : { clientIp: rootHttp.request.client_ip }),
    },
    // X-Ray: HasFault / HasError describe the root segment; HasThrottle any segment.
    fault: root ? isFault(root.doc) : false,
    error: root ? isError(root.doc) : false,
    throttle: entities.some((e) => isThrottle(e.doc)),
    partial: !root || orphaned || entities.some((e) => e.doc.in_progress === true),
    users: unique(segments.flatMap((s) => (s.doc.user === undefined ? [] : [s.doc.user]))),
    annotations: annotationsOf(entities),
    services: servicesOf(segments, entities, root, ownerOf),
    edges: edgesOf(segments, entities, byId, ownerOf),
    rootCauses: {
      fault: causesOf(entities, byId, ownerOf, isFault, root),
      error: causesOf(entities, byId, ownerOf, isError, root),
      responseTime: root ? slowestPath(root, entities, ownerOf) : [],
    },
    availabilityZones: unique(segments.flatMap((s) => optional(s.doc.aws?.ec2?.availability_zone))),
    instanceIds: unique(segments.flatMap((s) => optional(s.doc.aws?.ec2?.instance_id))),
    resourceArns: unique(segments.flatMap((s) => optional(s.doc.resource_arn))),
  };
}

/**
 * Top-level documents with each streamed subsegment moved under its parent, which is how
 * `BatchGetTraces` returns them; subsegments whose parent never arrived stay top-level.
 */
export function nestSegments(documents: readonly SegmentDocument[]): SegmentDocument[] {
  const copies = latestById(documents).map((d) => structuredClone(d));
  const index = new Map<string, SegmentDocument>();
  const visit = (doc: SegmentDocument) => {
    index.set(doc.id, doc);
    doc.subsegments?.forEach(visit);
  };
  copies.forEach(visit);
  return copies.filter((doc) => {
    const parent =
      doc.type === 'subsegment' && doc.parent_id !== undefined ? index.get(doc.parent_id) : undefined;
    if (!parent || parent === doc) return true;
    parent.subsegments = [...(parent.subsegments ?? []), doc];
    return false;
  });
}

/** Later documents with the same id replace earlier ones (an `in_progress` segment, then its end). */
function latestById(documents: readonly SegmentDocument[]): SegmentDocument[] {
  return [...new Map(documents.map((d) => [d.id, d])).values()];
}

function flatten(documents: readonly SegmentDocument[]): Entity[] {
  const entities: Entity[] = [];
  const walk = (doc: SegmentDocument, parentId: string | undefined, isSegment: boolean) => {
    entities.push({ doc, parentId, isSegment });
    for (const child of doc.subsegments ?? []) walk(child, doc.id, false);
  };
  for (const doc of latestById(documents)) walk(doc, doc.parent_id, doc.type !== 'subsegment');
  return entities.sort((a, b) => a.doc.start_time - b.doc.start_time);
}

const status = (doc: SegmentDocument) => doc.http?.response?.status;
const isFault = (doc: SegmentDocument) => doc.fault === true || (status(doc) ?? 0) >= 500;
const isError = (doc: SegmentDocument) => {
  const code = status(doc) ?? 0;
  return doc.error === true || (code >= 400 && code < 500);
};
const isThrottle = (doc: SegmentDocument) => doc.throttle === true || status(doc) === 429;
/** Downstream calls recorded by a subsegment become services of their own (X-Ray "inferred" nodes). */
const isRemoteCall = (e: Entity) =>
  !e.isSegment && (e.doc.namespace === 'aws' || e.doc.namespace === 'remote');

function elapsed(doc: SegmentDocument): number | undefined {
  return doc.end_time === undefined ? undefined : round(doc.end_time - doc.start_time);
}

/** Float seconds from subtraction carry noise (0.30000000000000004); X-Ray reports milliseconds. */
function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function annotationsOf(entities: Entity[]): Record<string, AnnotationValue[]> {
  const annotations: Record<string, AnnotationValue[]> = {};
  for (const { doc } of entities) {
    for (const [key, value] of Object.entries(doc.annotations ?? {})) {
      const values = (annotations[key] ??= []);
      if (!values.includes(value)) values.push(value);
    }
  }
  return annotations;
}

function serviceType(entity: Entity): string | undefined {
  if (entity.doc.origin !== undefined) return entity.doc.origin;
  return entity.doc.namespace === 'aws' ? `AWS::${entity.doc.name}` : undefined;
}

function serviceOf(entity: Entity, root: boolean): TraceService {
  const type = serviceType(entity);
  const responseTime = elapsed(entity.doc);
  const accountId = entity.doc.aws?.account_id;
  return {
    name: entity.doc.name,
    ...(type === undefined ? {} : { type }),
    ...(accountId === undefined ? {} : { accountId }),
    ...(root ? { root: true } : {}),
    fault: isFault(entity.doc),
    error: isError(entity.doc),
    throttle: isThrottle(entity.doc),
    ...(responseTime === undefined ? {} : { responseTime }),
  };
}

/** One service per distinct (name, type); a service seen several times is faulty if any visit was. */
function servicesOf(
  segments: Entity[],
  entities: Entity[],
  root: Entity | undefined,
  ownerOf: (e: Entity) => Entity | undefined,
): TraceService[] {
  const services = new Map<string, TraceService>();
  const candidates = [...segments, ...entities.filter((e) => isRemoteCall(e) && ownerOf(e) !== undefined)];
  for (const entity of candidates) {
    const next = serviceOf(entity, entity === root);
    const key = `${next.name}\u0000${next.type ?? ''}`;
    const seen = services.get(key);
    services.set(
      key,
      seen
        ? {
            ...seen,
            ...(seen.root || next.root ? { root: true } : {}),
            fault: seen.fault || next.fault,
            error: seen.error || next.error,
            throttle: seen.throttle || next.throttle,
            ...(seen.responseTime === undefined && next.responseTime === undefined
              ? {}
              : { responseTime: Math.max(seen.responseTime ?? 0, next.responseTime ?? 0) }),
          }
        : next,
    );
  }
  return [...services.values()];
}

function identity(entity: Entity) {
  const type = serviceType(entity);
  return { name: entity.doc.name, ...(type === undefined ? {} : { type }) };
}

/** Caller segment → called segment, and segment → the downstream services its subsegments called. */
function edgesOf(
  segments: Entity[],
  entities: Entity[],
  byId: Map<string, Entity>,
  ownerOf: (e: Entity) => Entity | undefined,
): TraceEdge[] {
  const edges: TraceEdge[] = [];
  const add = (source: Entity, destination: Entity) => {
    const responseTime = elapsed(destination.doc);
    edges.push({
      source: identity(source),
      destination: identity(destination),
      fault: isFault(destination.doc),
      error: isError(destination.doc),
      throttle: isThrottle(destination.doc),
      ...(responseTime === undefined ? {} : { responseTime }),
    });
  };
  for (const segment of segments) {
    const parent = segment.parentId === undefined ? undefined : byId.get(segment.parentId);
    const caller = parent ? ownerOf(parent) : undefined;
    if (caller && caller !== segment) add(caller, segment);
  }
  for (const call of entities.filter(isRemoteCall)) {
    const caller = ownerOf(call);
    if (caller) add(caller, call);
  }
  return edges;
}

function exceptionsOf(doc: SegmentDocument): RootCauseEntity['exceptions'] {
  if (typeof doc.cause !== 'object') return [];
  return (doc.cause.exceptions ?? []).map((e) => ({
    ...(e.type === undefined ? {} : { name: e.type }),
    ...(e.message === undefined ? {} : { message: e.message }),
  }));
}

/** Entities from the owning segment down to `entity`, for a root cause's `entityPath`. */
function pathWithinService(entity: Entity, byId: Map<string, Entity>): Entity[] {
  const path: Entity[] = [entity];
  let current = entity;
  while (!current.isSegment && current.parentId !== undefined) {
    const parent = byId.get(current.parentId);
    if (!parent || path.includes(parent)) break;
    path.unshift(parent);
    current = parent;
  }
  return path;
}

/**
 * One root cause per deepest flagged entity (flagged, with no flagged child): X-Ray's "the
 * error started here". The chain is the owning service and, when the culprit is a call to a
 * downstream AWS or remote service, that inferred service too (X-Ray names the DynamoDB
 * table, not the Lambda that called it); X-Ray also lists the services on the way from the
 * entry point, which is simplified away here.
 */
function causesOf(
  entities: Entity[],
  byId: Map<string, Entity>,
  ownerOf: (e: Entity) => Entity | undefined,
  flagged: (doc: SegmentDocument) => boolean,
  root: Entity | undefined,
): RootCause[] {
  const flaggedChildOf = new Set(
    entities.flatMap((e) => (flagged(e.doc) && e.parentId !== undefined ? [e.parentId] : [])),
  );
  return entities
    .filter((e) => flagged(e.doc) && !flaggedChildOf.has(e.doc.id))
    .flatMap((culprit) => {
      const owner = ownerOf(culprit);
      if (!owner) return [];
      const path = pathWithinService(culprit, byId).map((e) => ({
        name: e.doc.name,
        ...(isRemoteCall(e) ? { remote: true } : {}),
        exceptions: exceptionsOf(e.doc),
      }));
      return [
        {
          clientImpacting: root ? flagged(root.doc) : false,
          services: [
            { ...identity(owner), entityPath: path },
            ...(isRemoteCall(culprit) ? [inferredService(culprit, [path.at(-1)!])] : []),
          ],
        },
      ];
    });
}

/** The downstream service a remote call subsegment stands for, as X-Ray infers it. */
function inferredService(call: Entity, entityPath: RootCauseEntity[]) {
  return { ...identity(call), inferred: true, entityPath };
}

/** Response-time root cause: follow the longest child from the root down; coverage = share of root time. */
function slowestPath(
  root: Entity,
  entities: Entity[],
  ownerOf: (e: Entity) => Entity | undefined,
): RootCause[] {
  const total = elapsed(root.doc);
  if (total === undefined || total <= 0) return [];
  let current = root;
  for (;;) {
    const children = entities.filter((e) => e.parentId === current.doc.id && elapsed(e.doc) !== undefined);
    const slowest = children.sort((a, b) => (elapsed(b.doc) ?? 0) - (elapsed(a.doc) ?? 0))[0];
    if (!slowest) break;
    current = slowest;
  }
  const owner = ownerOf(current) ?? root;
  const entityPath = [
    { name: current.doc.name, coverage: round((elapsed(current.doc) ?? 0) / total), exceptions: [] },
  ];
  return [
    {
      clientImpacting: true,
      services: [
        { ...identity(owner), entityPath },
        ...(isRemoteCall(current) ? [inferredService(current, entityPath)] : []),
      ],
    },
  ];
}
