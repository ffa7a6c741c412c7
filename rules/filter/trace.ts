/**
 * The project's own trace model: what a filter expression can see of one X-Ray trace, already
 * aggregated over its segments. It is built from a `GetTraceSummaries` summary
 * (`traceFromSummary`), from segment documents (the local X-Ray emulator), or written by hand in
 * rule-test fixtures (`traceInputSchema`, compact YAML).
 *
 * Absence has two meanings, and the evaluator keeps them apart:
 * - a trace-level value that is absent (`responseTime`, `http.status`, an annotation) means
 *   X-Ray has no value: every comparison on it is false, as in X-Ray;
 * - per-service / per-edge data and root causes that are absent (`undefined`) mean "not
 *   recorded" (a summary carries no per-service flags): filters that need them evaluate to
 *   unknown, never to a silent false.
 */
import { z } from 'zod';

export type AnnotationValue = string | number | boolean;

export interface TraceHttp {
  status?: number;
  url?: string;
  method?: string;
  userAgent?: string;
  clientIp?: string;
}

/** A service as `service(...)` and `id(...)` select it: by name (or one of its names), type, account. */
export interface ServiceIdentity {
  name: string;
  /** Other names X-Ray knows the service by (`ServiceId.Names`). */
  names?: string[];
  /** e.g. `AWS::Lambda::Function`. */
  type?: string;
  accountId?: string;
}

/** A service the trace passed through. Flags left undefined are unknown, not false. */
export interface TraceService extends ServiceIdentity {
  /** The trace's entry point (`root` inside `service() { }`). */
  root?: boolean;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  /** Seconds. */
  responseTime?: number;
}

/** A call from one service to another, for `edge(source, destination) { … }`. */
export interface TraceEdge {
  source: ServiceIdentity;
  destination: ServiceIdentity;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  /** Seconds. */
  responseTime?: number;
}

export interface RootCauseException {
  name?: string;
  message?: string;
}

/** One step of a root-cause path (`EntityPath[]`): the service's segment, then subsegments. */
export interface RootCauseEntity {
  name: string;
  remote?: boolean;
  /** Response-time root causes only: share of the response time spent here. */
  coverage?: number;
  exceptions: RootCauseException[];
}

export interface RootCauseService extends ServiceIdentity {
  inferred?: boolean;
  entityPath: RootCauseEntity[];
}

/** One root cause as X-Ray reports it: the chain of services down to the culprit. */
export interface RootCause {
  clientImpacting?: boolean;
  services: RootCauseService[];
}

export interface TraceRootCauses {
  fault: RootCause[];
  error: RootCause[];
  responseTime: RootCause[];
}

export interface Trace {
  /** `1-59602603-23fc5b688855d396af79b496`, or a fixture's name. */
  id: string;
  /** Epoch seconds. */
  startTime: number;
  /** Seconds the entry service took to respond (`responsetime`). */
  responseTime?: number;
  /** Seconds including downstream calls (`duration`). */
  duration?: number;
  http: TraceHttp;
  fault: boolean;
  error: boolean;
  throttle: boolean;
  /** The trace has incomplete segments. */
  partial: boolean;
  /** `user` values from every segment. */
  users: string[];
  /**
   * Every value of each annotation key over all segments; a key missing here means no segment
   * set it (e.g. the function threw before its annotation subsegment closed). Keys are
   * case-sensitive.
   */
  annotations: Record<string, AnnotationValue[]>;
  services: TraceService[];
  /** Undefined when the source has no edge data (summaries do not): `edge()` is then unknown. */
  edges?: TraceEdge[];
  /** Undefined when the source has no root-cause analysis: `rootcause.*` is then unknown. */
  rootCauses?: TraceRootCauses;
  availabilityZones: string[];
  instanceIds: string[];
  resourceArns: string[];
}

// ---- compact input (rule-test fixtures) ----------------------------------------------------

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const many = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const identityFields = {
  name: z.string(),
  names: z.array(z.string()).optional(),
  type: z.string().optional(),
  accountId: z.string().optional(),
};

const serviceSchema = z.strictObject({
  ...identityFields,
  root: z.boolean().optional(),
  fault: z.boolean().optional(),
  error: z.boolean().optional(),
  throttle: z.boolean().optional(),
  responseTime: z.number().nonnegative().optional(),
});

const identitySchema = z.union([z.string().transform((name) => ({ name })), z.strictObject(identityFields)]);

const edgeSchema = z.strictObject({
  source: identitySchema,
  destination: identitySchema,
  fault: z.boolean().optional(),
  error: z.boolean().optional(),
  throttle: z.boolean().optional(),
  responseTime: z.number().nonnegative().optional(),
});

const entitySchema = z.strictObject({
  name: z.string(),
  remote: z.boolean().optional(),
  coverage: z.number().optional(),
  exceptions: z
    .array(z.strictObject({ name: z.string().optional(), message: z.string().optional() }))
    .default([]),
});

const rootCauseSchema = z.strictObject({
  clientImpacting: z.boolean().optional(),
  services: z.array(
    z.strictObject({
      ...identityFields,
      inferred: z.boolean().optional(),
      entityPath: z.array(entitySchema).default([]),
    }),
  ),
});

/**
 * A trace as written in fixtures: only what differs from a quiet, successful trace. Flags
 * default to false, lists to empty; an annotation or user may be one value or a list.
 */
export const traceInputSchema = z
  .strictObject({
    id: z.string().optional(),
    startTime: z.number().default(0),
    responseTime: z.number().nonnegative().optional(),
    duration: z.number().nonnegative().optional(),
    http: z
      .strictObject({
        status: z.number().int().optional(),
        url: z.string().optional(),
        method: z.string().optional(),
        userAgent: z.string().optional(),
        clientIp: z.string().optional(),
      })
      .default({}),
    fault: z.boolean().default(false),
    error: z.boolean().default(false),
    throttle: z.boolean().default(false),
    partial: z.boolean().default(false),
    users: many(z.string()).default([]),
    annotations: z.record(z.string(), many(scalar)).default({}),
    services: z.array(serviceSchema).default([]),
    edges: z.array(edgeSchema).optional(),
    rootCauses: z
      .strictObject({
        fault: z.array(rootCauseSchema).default([]),
        error: z.array(rootCauseSchema).default([]),
        responseTime: z.array(rootCauseSchema).default([]),
      })
      .optional(),
    availabilityZones: many(z.string()).default([]),
    instanceIds: many(z.string()).default([]),
    resourceArns: many(z.string()).default([]),
  })
  .transform(({ id, ...rest }): Omit<Trace, 'id'> & { id?: string } =>
    id === undefined ? rest : { id, ...rest },
  );

export type TraceInput = z.input<typeof traceInputSchema>;

/** Builds a full `Trace` from compact input; `id` falls back to `fallbackId` (a fixture's name). */
export function traceFromInput(input: unknown, fallbackId: string): Trace {
  const parsed = traceInputSchema.parse(input);
  return { ...parsed, id: parsed.id ?? fallbackId };
}
