/**
 * Builds a `Trace` from an X-Ray `GetTraceSummaries` `TraceSummary`. The input type is
 * structural (only the fields read here) so this module needs no AWS SDK: the SDK's
 * `TraceSummary` and the raw JSON of the API response (aws-events.md §4) both fit it.
 *
 * A summary has no per-service flags and no edges, so `service("x") { fault }` and `edge()`
 * filters evaluate to unknown on such a trace; `service("x")` alone (does the trace reach it)
 * and the root causes are decided.
 */
import type {
  AnnotationValue,
  RootCause,
  RootCauseEntity,
  RootCauseService,
  ServiceIdentity,
  Trace,
  TraceService,
} from './trace';

export interface SummaryServiceId {
  Name?: string | undefined;
  Names?: string[] | undefined;
  AccountId?: string | undefined;
  Type?: string | undefined;
}

export interface SummaryRootCause {
  ClientImpacting?: boolean | undefined;
  Services?:
    | Array<
        SummaryServiceId & {
          Inferred?: boolean | undefined;
          EntityPath?:
            | Array<{
                Name?: string | undefined;
                Remote?: boolean | undefined;
                Coverage?: number | undefined;
                Exceptions?: Array<{ Name?: string | undefined; Message?: string | undefined }> | undefined;
              }>
            | undefined;
        }
      >
    | undefined;
}

/** The parts of `TraceSummary` this module reads. */
export interface TraceSummaryLike {
  Id?: string | undefined;
  /** The SDK gives a Date; the wire format gives epoch seconds. */
  StartTime?: Date | number | undefined;
  Duration?: number | undefined;
  ResponseTime?: number | undefined;
  HasFault?: boolean | undefined;
  HasError?: boolean | undefined;
  HasThrottle?: boolean | undefined;
  IsPartial?: boolean | undefined;
  Http?:
    | {
        HttpURL?: string | undefined;
        HttpStatus?: number | undefined;
        HttpMethod?: string | undefined;
        UserAgent?: string | undefined;
        ClientIp?: string | undefined;
      }
    | undefined;
  Annotations?:
    | Record<
        string,
        | Array<{
            AnnotationValue?:
              | {
                  StringValue?: string | undefined;
                  NumberValue?: number | undefined;
                  BooleanValue?: boolean | undefined;
                }
              | undefined;
          }>
        | undefined
      >
    | undefined;
  Users?: Array<{ UserName?: string | undefined }> | undefined;
  ServiceIds?: SummaryServiceId[] | undefined;
  EntryPoint?: SummaryServiceId | undefined;
  ResourceARNs?: Array<{ ARN?: string | undefined }> | undefined;
  InstanceIds?: Array<{ Id?: string | undefined }> | undefined;
  AvailabilityZones?: Array<{ Name?: string | undefined }> | undefined;
  FaultRootCauses?: SummaryRootCause[] | undefined;
  ErrorRootCauses?: SummaryRootCause[] | undefined;
  ResponseTimeRootCauses?: SummaryRootCause[] | undefined;
}

export function traceFromSummary(summary: TraceSummaryLike): Trace {
  const http = summary.Http ?? {};
  const trace: Trace = {
    id: summary.Id ?? '',
    startTime: startTimeSeconds(summary.StartTime),
    http: compact({
      status: http.HttpStatus,
      url: http.HttpURL,
      method: http.HttpMethod,
      userAgent: http.UserAgent,
      clientIp: http.ClientIp,
    }),
    fault: summary.HasFault === true,
    error: summary.HasError === true,
    throttle: summary.HasThrottle === true,
    partial: summary.IsPartial === true,
    users: defined((summary.Users ?? []).map((u) => u.UserName)),
    annotations: annotationsOf(summary.Annotations),
    services: servicesOf(summary),
    rootCauses: {
      fault: rootCausesOf(summary.FaultRootCauses),
      error: rootCausesOf(summary.ErrorRootCauses),
      responseTime: rootCausesOf(summary.ResponseTimeRootCauses),
    },
    availabilityZones: defined((summary.AvailabilityZones ?? []).map((z) => z.Name)),
    instanceIds: defined((summary.InstanceIds ?? []).map((i) => i.Id)),
    resourceArns: defined((summary.ResourceARNs ?? []).map((r) => r.ARN)),
  };
  if (summary.ResponseTime !== undefined) trace.responseTime = summary.ResponseTime;
  if (summary.Duration !== undefined) trace.duration = summary.Duration;
  return trace;
}

function startTimeSeconds(start: Date | number | undefined): number {
  if (start === undefined) return 0;
  return start instanceof Date ? start.getTime() / 1000 : start;
}

/** Values in response order; an entry with no value (a missing or unknown union member) is skipped. */
function annotationsOf(annotations: TraceSummaryLike['Annotations']): Record<string, AnnotationValue[]> {
  // A null prototype: annotation keys are user data and must not collide with Object's own keys.
  const out: Record<string, AnnotationValue[]> = Object.create(null) as Record<string, AnnotationValue[]>;
  for (const [key, entries] of Object.entries(annotations ?? {})) {
    const values: AnnotationValue[] = [];
    for (const entry of entries ?? []) {
      const v = entry.AnnotationValue;
      if (v === undefined) continue;
      if (v.StringValue !== undefined) values.push(v.StringValue);
      else if (v.NumberValue !== undefined) values.push(v.NumberValue);
      else if (v.BooleanValue !== undefined) values.push(v.BooleanValue);
    }
    // An annotation whose list is empty (`{}` in the API) has no value to match.
    if (values.length > 0) out[key] = values;
  }
  return out;
}

/** Services from `ServiceIds`; only the entry point's `root` is known, flags stay unknown. */
function servicesOf(summary: TraceSummaryLike): TraceService[] {
  const entry = summary.EntryPoint;
  const services = (summary.ServiceIds ?? []).flatMap((id) => {
    const identity = identityOf(id);
    return identity === undefined ? [] : [identity];
  });
  if (entry?.Name === undefined) return services;
  return services.map((s) => ({
    ...s,
    root: s.name === entry.Name && (entry.Type === undefined || s.type === entry.Type),
  }));
}

function identityOf(id: SummaryServiceId): ServiceIdentity | undefined {
  const name = id.Name ?? id.Names?.[0];
  if (name === undefined) return undefined;
  return compact({ name, names: id.Names, type: id.Type, accountId: id.AccountId });
}

function rootCausesOf(causes: SummaryRootCause[] | undefined): RootCause[] {
  return (causes ?? []).map((cause) => {
    const services: RootCauseService[] = (cause.Services ?? []).map((s) => ({
      ...compact({
        name: s.Name ?? s.Names?.[0] ?? '',
        names: s.Names,
        type: s.Type,
        accountId: s.AccountId,
      }),
      ...(s.Inferred !== undefined ? { inferred: s.Inferred } : {}),
      entityPath: (s.EntityPath ?? []).map((e): RootCauseEntity =>
        compact({
          name: e.Name ?? '',
          remote: e.Remote,
          coverage: e.Coverage,
          exceptions: (e.Exceptions ?? []).map((x) => compact({ name: x.Name, message: x.Message })),
        }),
      ),
    }));
    return cause.ClientImpacting !== undefined
      ? { clientImpacting: cause.ClientImpacting, services }
      : { services };
  });
}

function defined<T>(values: Array<T | undefined>): T[] {
  return values.filter((v): v is T => v !== undefined);
}

/** `T` with its possibly-undefined properties made optional and never undefined. */
type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops undefined properties so the trace holds only what the summary said. */
function compact<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Compact<T>;
}
