/**
 * X-Ray API stand-in for `@aws-sdk/client-xray` (REST-JSON): `GetTraceSummaries`
 * (`POST /TraceSummaries`), `BatchGetTraces` (`POST /Traces`), `GetGroups`
 * (`POST /Groups`) and `GetGroup` (`POST /GetGroup`), answered from a trace store.
 *
 * Filter expressions are evaluated by an injected compiler (the project's
 * `rules/filter` engine in real use), so the stand-in never has its own idea of X-Ray's
 * filter language. Errors carry the `x-amzn-ErrorType` header and `__type`, which is how
 * the SDK picks `InvalidRequestException` or `ThrottledException` (429).
 *
 * Timing (off unless `timing` asks; figures and sources in local/aws-timing.ts): a trace is
 * only visible some seconds after it ends (indexing); a GetTraceSummaries page covers a time
 * slice and a bounded number of scanned traces, so it can hold few or no matches and still
 * carry a NextToken, and the last slice may come back empty; each call takes some virtual time;
 * calls beyond a request rate are throttled (`ThrottledException`, 429).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RootCause, Trace, TraceService } from '../rules/filter/trace';
import {
  awsJsonError,
  awsJsonReply,
  createFaultQueue,
  parseJsonObject,
  sleep,
  startHttpServer,
} from './http-server';
import type { FaultOptions, HttpReply, HttpRequest } from './http-server';
import { within, type MsRange } from './aws-timing';
import { createPrng } from './scenario/prng';
import { inTimeRange, type TraceStore } from './trace-store';

/** Real X-Ray returns about 100 summaries a page (not documented). */
export const DEFAULT_PAGE_SIZE = 100;
/** BatchGetTraces: "Maximum number of 5 items." */
export const MAX_BATCH_TRACE_IDS = 5;

const JSON_TYPE = 'application/json';
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

export type TraceMatcher = (trace: Trace) => boolean;
/** Throws (any error; its message is returned) when the expression is invalid. */
export type FilterCompiler = (expression: string) => TraceMatcher;

export interface XRayGroup {
  name: string;
  filterExpression?: string;
  insightsEnabled?: boolean;
  notificationsEnabled?: boolean;
}

export type XRayOperation = 'GetTraceSummaries' | 'BatchGetTraces' | 'GetGroups' | 'GetGroup';

export interface XRayCall {
  operation: XRayOperation | 'Unknown';
  input: Record<string, unknown>;
  status: number;
  errorType: string | undefined;
  /** For a 429: an injected fault (`throttleNext`, `failNext`) or the request-rate limit. */
  throttledBy?: 'fault' | 'rate-limit';
  /** Virtual ms when the call arrived (with a `now`). */
  atMs?: number;
}

export interface XRayTiming {
  /** Trace end → visible to GetTraceSummaries. */
  indexing?: MsRange | undefined;
  /** One page covers at most this much of the window (by trace start) and this many scanned traces. */
  paging?: { sliceMs: number; maxScanned: number } | undefined;
  /** Duration of each GetTraceSummaries call, in virtual time (needs `advanceClock`). */
  latency?: MsRange | undefined;
  /** Token bucket on GetTraceSummaries. */
  rateLimit?: { perSecond: number; burst: number } | undefined;
}

export interface XRayFault {
  type: string;
  status: number;
  message?: string;
}

export interface XRayServerOptions {
  store: TraceStore;
  compile: FilterCompiler;
  pageSize?: number;
  /** Wall delay before each GetTraceSummaries page, to exercise the notifier's time budget. */
  latencyMs?: number;
  groups?: XRayGroup[];
  timing?: XRayTiming;
  /** Virtual clock (indexing, rate limit); default `Date.now`. */
  now?: () => number;
  /** Moves the virtual clock: how `timing.latency` passes. Without it latency is a wall sleep. */
  advanceClock?: (ms: number) => void;
  /** Seed of the timing draws (indexing delay per trace, latency per call). */
  seed?: number;
}

export interface XRayServer {
  url: string;
  close(): Promise<void>;
  setPageSize(size: number): void;
  setLatency(ms: number): void;
  /** The next `times` calls (optionally of one operation) fail with `ThrottledException` (429). */
  throttleNext(times?: number, operation?: XRayOperation): void;
  failNext(fault: XRayFault, options?: FaultOptions<{ operation: string }>): void;
  calls(operation?: XRayOperation): XRayCall[];
}

class XRayError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const invalidRequest = (message: string) => new XRayError('InvalidRequestException', 400, message);

const summariesInput = z.object({
  StartTime: z.number(),
  EndTime: z.number(),
  TimeRangeType: z.enum(['TraceId', 'Event', 'Service']).default('TraceId'),
  Sampling: z.boolean().optional(),
  SamplingStrategy: z.unknown().optional(),
  FilterExpression: z.string().optional(),
  NextToken: z.string().optional(),
});
type SummariesInput = z.output<typeof summariesInput>;

const batchInput = z.object({
  TraceIds: z.array(z.string().min(1).max(35)),
  NextToken: z.string().optional(),
});
const groupInput = z.object({ GroupName: z.string().optional(), GroupARN: z.string().optional() });

/** Paging cursor: the last trace returned, plus the query it belongs to. */
const tokenSchema = z.object({ t: z.number(), i: z.string(), q: z.string() });

export async function startXRayServer(options: XRayServerOptions): Promise<XRayServer> {
  const { store, compile } = options;
  const timing = options.timing ?? {};
  const now = options.now ?? Date.now;
  const prng = createPrng(((options.seed ?? 0) ^ 0x0c4a7e11) >>> 0);
  let pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let latencyMs = options.latencyMs ?? 0;
  const calls: XRayCall[] = [];
  // Each trace's indexing delay, drawn when its first segment is stored (in arrival order).
  const indexDelay = new Map<string, number>();
  const unsubscribe = timing.indexing
    ? store.onPut((trace) => {
        if (!indexDelay.has(trace.id)) indexDelay.set(trace.id, within(timing.indexing!, prng.next()));
      })
    : () => undefined;
  const visible = (trace: Trace) =>
    !timing.indexing ||
    (trace.startTime + (trace.duration ?? trace.responseTime ?? 0)) * 1000 +
      (indexDelay.get(trace.id) ?? 0) <=
      now();
  const bucket = timing.rateLimit ? { tokens: timing.rateLimit.burst, atMs: now() } : undefined;
  function rateLimited(): boolean {
    if (!bucket || !timing.rateLimit) return false;
    const at = now();
    bucket.tokens = Math.min(
      timing.rateLimit.burst,
      bucket.tokens + ((at - bucket.atMs) / 1000) * timing.rateLimit.perSecond,
    );
    bucket.atMs = at;
    if (bucket.tokens < 1) return true;
    bucket.tokens -= 1;
    return false;
  }
  async function takeTime(): Promise<void> {
    if (timing.latency) {
      const ms = within(timing.latency, prng.next());
      if (options.advanceClock) options.advanceClock(ms);
      else await sleep(ms);
    }
    await sleep(latencyMs);
  }
  const faults = createFaultQueue<XRayFault, { operation: string }>();
  const compiled = new Map<string, TraceMatcher | Error>();
  const groups = [{ name: 'Default' }, ...(options.groups ?? [])].map(groupView);

  function matcher(expression: string | undefined): TraceMatcher {
    if (expression === undefined || expression.trim() === '') return () => true;
    let entry = compiled.get(expression);
    if (entry === undefined) {
      try {
        entry = compile(expression);
      } catch (error) {
        entry = error instanceof Error ? error : new Error(String(error));
      }
      compiled.set(expression, entry);
    }
    if (entry instanceof Error) throw invalidRequest(`Invalid filter expression: ${entry.message}`);
    return entry;
  }

  async function getTraceSummaries(body: Record<string, unknown>): Promise<unknown> {
    const input = parse(summariesInput, body);
    if (input.EndTime <= input.StartTime) throw invalidRequest('EndTime must be after StartTime');
    const matches = evaluating(matcher(input.FilterExpression));
    const query = queryKey(input);
    const cursor = input.NextToken === undefined ? undefined : readToken(input.NextToken, query);
    await takeTime();

    const paging = timing.paging;
    // The page's slice: from the cursor (or the window's end) back by sliceMs, by trace start.
    const sliceStart = paging
      ? (cursor?.t ?? input.EndTime) - paging.sliceMs / 1000
      : Number.NEGATIVE_INFINITY;
    const page: Trace[] = [];
    let processed = 0;
    let lastProcessed: Trace | undefined;
    let next: z.output<typeof tokenSchema> | undefined;
    for (const trace of store.list()) {
      if (cursor && !olderThan(trace, cursor)) continue;
      if (!inTimeRange(trace, input.StartTime, input.EndTime, input.TimeRangeType) || !visible(trace))
        continue;
      if (trace.startTime < sliceStart) {
        next = { t: sliceStart, i: '', q: query };
        break;
      }
      if (page.length === pageSize) {
        // Look ahead for one more match so the last page carries no NextToken.
        if (!matches(trace)) continue;
        const last = page[page.length - 1]!;
        next = { t: last.startTime, i: last.id, q: query };
        break;
      }
      if (paging && processed === paging.maxScanned) {
        next = { t: lastProcessed!.startTime, i: lastProcessed!.id, q: query };
        break;
      }
      processed += 1;
      lastProcessed = trace;
      if (matches(trace)) page.push(trace);
    }
    // Slicing scans the whole window, so a last slice may come back empty but with a token.
    if (!next && paging && sliceStart > input.StartTime) next = { t: sliceStart, i: '', q: query };
    return {
      TraceSummaries: page.map(toTraceSummary),
      ApproximateTime: paging ? Math.max(sliceStart, input.StartTime) : (page[0]?.startTime ?? input.EndTime),
      TracesProcessedCount: processed,
      ...(next ? { NextToken: writeToken(next) } : {}),
    };
  }

  function batchGetTraces(body: Record<string, unknown>): unknown {
    const { TraceIds } = parse(batchInput, body);
    if (TraceIds.length < 1 || TraceIds.length > MAX_BATCH_TRACE_IDS) {
      throw invalidRequest(
        `1 validation error detected: Value at 'traceIds' failed to satisfy constraint: Member must have length between 1 and ${MAX_BATCH_TRACE_IDS}`,
      );
    }
    const found = TraceIds.flatMap((id) => {
      const stored = store.get(id);
      return stored ? [stored] : [];
    });
    return {
      Traces: found.map(({ trace, documents }) => ({
        Id: trace.id,
        Duration: trace.duration,
        LimitExceeded: false,
        Segments: documents.map((document) => ({ Id: documentId(document), Document: document })),
      })),
      // Ids we have no trace for: real X-Ray's answer here is not documented.
      UnprocessedTraceIds: TraceIds.filter((id) => store.get(id) === undefined),
    };
  }

  function getGroup(body: Record<string, unknown>): unknown {
    const { GroupName, GroupARN } = parse(groupInput, body);
    const group = groups.find((g) => g.GroupName === GroupName || g.GroupARN === GroupARN);
    if (!group) throw invalidRequest('Group not found');
    return { Group: group };
  }

  const routes: Record<string, [XRayOperation, (body: Record<string, unknown>) => unknown]> = {
    '/TraceSummaries': ['GetTraceSummaries', getTraceSummaries],
    '/Traces': ['BatchGetTraces', batchGetTraces],
    '/Groups': ['GetGroups', () => ({ Groups: groups })],
    '/GetGroup': ['GetGroup', getGroup],
  };

  async function handle(request: HttpRequest): Promise<HttpReply> {
    const route = request.method === 'POST' ? routes[request.path] : undefined;
    const body = parseJsonObject(request.body);
    const operation = route?.[0] ?? 'Unknown';
    const atMs = now();
    let throttledBy: XRayCall['throttledBy'];
    const record = (status: number, errorType?: string) =>
      calls.push({
        operation,
        input: body ?? {},
        status,
        errorType,
        atMs,
        ...(throttledBy ? { throttledBy } : {}),
      });
    try {
      if (!route) throw new XRayError('UnknownOperationException', 404, `No operation at ${request.path}`);
      const fault = faults.take({ operation });
      if (fault) {
        if (fault.status === 429) throttledBy = 'fault';
        throw new XRayError(fault.type, fault.status, fault.message ?? fault.type);
      }
      if (operation === 'GetTraceSummaries' && rateLimited()) {
        throttledBy = 'rate-limit';
        throw new XRayError('ThrottledException', 429, 'Rate exceeded');
      }
      if (body === undefined) throw invalidRequest('Request body is not a JSON object');
      const result = await route[1](body);
      record(200);
      return awsJsonReply(result, JSON_TYPE);
    } catch (error) {
      if (!(error instanceof XRayError)) throw error;
      record(error.status, error.type);
      return awsJsonError(error.status, error.type, error.message, JSON_TYPE);
    }
  }

  const server = await startHttpServer(handle);
  return {
    url: server.url,
    close: async () => {
      unsubscribe();
      await server.close();
    },
    setPageSize(size) {
      if (!Number.isInteger(size) || size < 1) throw new RangeError('page size must be a positive integer');
      pageSize = size;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    throttleNext(times = 1, operation) {
      faults.add(
        { type: 'ThrottledException', status: 429, message: 'Rate exceeded' },
        { times, when: (call) => operation === undefined || call.operation === operation },
      );
    },
    failNext: (fault, faultOptions) => faults.add(fault, faultOptions),
    calls: (operation) => calls.filter((c) => operation === undefined || c.operation === operation),
  };
}

/**
 * Real X-Ray always decides a filter; the local engine may not (a trace lacking data the
 * filter needs). Say so as a 400, which the SDK does not retry, naming the trace.
 */
function evaluating(matches: TraceMatcher): TraceMatcher {
  return (trace) => {
    try {
      return matches(trace);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw invalidRequest(`Local X-Ray cannot evaluate the filter on trace ${trace.id}: ${reason}`);
    }
  };
}

function parse<T extends z.ZodType>(schema: T, body: Record<string, unknown>): z.output<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw invalidRequest(`Invalid ${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`);
}

function queryKey(input: SummariesInput): string {
  return createHash('sha256')
    .update(
      JSON.stringify([input.StartTime, input.EndTime, input.TimeRangeType, input.FilterExpression ?? '']),
    )
    .digest('base64url')
    .slice(0, 16);
}

/** Strictly after the cursor in the store's newest-first order (start time, then id, descending). */
function olderThan(trace: Trace, cursor: z.output<typeof tokenSchema>): boolean {
  return trace.startTime < cursor.t || (trace.startTime === cursor.t && trace.id < cursor.i);
}

function writeToken(cursor: z.output<typeof tokenSchema>): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function readToken(token: string, query: string): z.output<typeof tokenSchema> {
  let cursor: z.output<typeof tokenSchema> | undefined;
  try {
    cursor = tokenSchema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    cursor = undefined;
  }
  // A token is only good for the query that produced it.
  if (!cursor || cursor.q !== query) throw invalidRequest('Invalid NextToken');
  return cursor;
}

function documentId(document: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(document);
    return typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string'
      ? parsed.id
      : undefined;
  } catch {
    return undefined;
  }
}

function groupView(group: XRayGroup) {
  const arnId = createHash('sha256').update(group.name).digest('hex').slice(0, 26).toUpperCase();
  return {
    GroupName: group.name,
    GroupARN:
      group.name === 'Default'
        ? `arn:aws:xray:${REGION}:${ACCOUNT}:group/Default`
        : `arn:aws:xray:${REGION}:${ACCOUNT}:group/${group.name}/${arnId}`,
    ...(group.filterExpression === undefined ? {} : { FilterExpression: group.filterExpression }),
    InsightsConfiguration: {
      InsightsEnabled: group.insightsEnabled ?? false,
      NotificationsEnabled: group.notificationsEnabled ?? false,
    },
  };
}

function serviceId(service: TraceService) {
  return {
    Name: service.name,
    Names: service.names ?? [service.name],
    AccountId: service.accountId,
    Type: service.type,
  };
}

function rootCauses(causes: RootCause[] | undefined) {
  return (causes ?? []).map((cause) => ({
    ClientImpacting: cause.clientImpacting,
    Services: cause.services.map((service) => ({
      ...serviceId(service),
      Inferred: service.inferred,
      EntityPath: service.entityPath.map((entity) => ({
        Name: entity.name,
        Remote: entity.remote,
        Coverage: entity.coverage,
        Exceptions: entity.exceptions.map((e) => ({ Name: e.name, Message: e.message })),
      })),
    })),
  }));
}

/** The `TraceSummary` X-Ray would return for this trace (undefined fields drop out of the JSON). */
export function toTraceSummary(trace: Trace) {
  const entry = trace.services.find((s) => s.root);
  return {
    Id: trace.id,
    StartTime: trace.startTime,
    Duration: trace.duration,
    ResponseTime: trace.responseTime,
    HasFault: trace.fault,
    HasError: trace.error,
    HasThrottle: trace.throttle,
    IsPartial: trace.partial,
    Http: {
      HttpURL: trace.http.url,
      HttpStatus: trace.http.status,
      HttpMethod: trace.http.method,
      UserAgent: trace.http.userAgent,
      ClientIp: trace.http.clientIp,
    },
    Annotations: Object.fromEntries(
      Object.entries(trace.annotations).map(([key, values]) => [
        key,
        values.map((value) => ({ AnnotationValue: annotationValue(value) })),
      ]),
    ),
    Users: trace.users.map((name) => ({ UserName: name })),
    ServiceIds: trace.services.map(serviceId),
    ...(entry ? { EntryPoint: serviceId(entry) } : {}),
    ResourceARNs: trace.resourceArns.map((arn) => ({ ARN: arn })),
    InstanceIds: trace.instanceIds.map((id) => ({ Id: id })),
    AvailabilityZones: trace.availabilityZones.map((name) => ({ Name: name })),
    FaultRootCauses: rootCauses(trace.rootCauses?.fault),
    ErrorRootCauses: rootCauses(trace.rootCauses?.error),
    ResponseTimeRootCauses: rootCauses(trace.rootCauses?.responseTime),
    Revision: 1,
  };
}

function annotationValue(value: string | number | boolean) {
  if (typeof value === 'number') return { NumberValue: value };
  if (typeof value === 'boolean') return { BooleanValue: value };
  return { StringValue: value };
}
