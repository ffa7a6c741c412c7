/**
 * OTLP/JSON spans → the segment documents X-Ray stores for them. The mapping (the table is in
 * local/otlp-receiver.ts, which serves it) follows the AWS X-Ray developer guide's migration
 * chapter and the conversion AWS's exporter documents; docs/tracing-backends.md cites both.
 * Pure: no I/O, no clock.
 */
import { z } from 'zod';
import type { SegmentDocument } from './segments-to-trace';

type AnyValue = {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | undefined;
  arrayValue?: { values?: AnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: Array<{ key: string; value?: AnyValue | undefined }> | undefined } | undefined;
  bytesValue?: string | undefined;
};

const anyValueSchema: z.ZodType<AnyValue> = z.lazy(() =>
  z.looseObject({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string(), z.number()]).optional(),
    doubleValue: z.number().optional(),
    arrayValue: z.looseObject({ values: z.array(anyValueSchema).optional() }).optional(),
    kvlistValue: z
      .looseObject({
        values: z.array(z.looseObject({ key: z.string(), value: anyValueSchema.optional() })).optional(),
      })
      .optional(),
    bytesValue: z.string().optional(),
  }),
);

const keyValueSchema = z.looseObject({ key: z.string(), value: anyValueSchema.optional() });
const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`, 'i'));
const nanos = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]);

const spanSchema = z.looseObject({
  traceId: hex(32),
  spanId: hex(16),
  parentSpanId: z.union([hex(16), z.literal('')]).optional(),
  name: z.string(),
  kind: z.number().int().min(0).max(5).optional(),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  attributes: z.array(keyValueSchema).optional(),
  events: z
    .array(
      z.looseObject({
        name: z.string(),
        timeUnixNano: nanos.optional(),
        attributes: z.array(keyValueSchema).optional(),
      }),
    )
    .optional(),
  status: z.looseObject({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
});

export const exportTraceServiceRequestSchema = z.looseObject({
  resourceSpans: z
    .array(
      z.looseObject({
        resource: z.looseObject({ attributes: z.array(keyValueSchema).optional() }).optional(),
        scopeSpans: z.array(z.looseObject({ spans: z.array(spanSchema).optional() })).optional(),
      }),
    )
    .optional(),
});

export type ExportTraceServiceRequest = z.output<typeof exportTraceServiceRequestSchema>;
type OtlpSpan = z.output<typeof spanSchema>;
type Scalar = string | number | boolean;
type Value = Scalar | Value[] | { [key: string]: Value } | null;

/** OTLP's span kinds (protobuf enum, as OTLP/JSON carries them). */
export const SPAN_KIND = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
const STATUS_ERROR = 2;
export const XRAY_ANNOTATIONS = 'aws.xray.annotations';

export type ConvertedDocument = SegmentDocument & { trace_id: string };

/** Every span of the request as a segment document; resource attributes apply to all its spans. */
export function otlpToSegments(request: ExportTraceServiceRequest): ConvertedDocument[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => spanToSegment(span, resource)),
    );
  });
}

/** `1-` + the first 8 hex digits (the start time, with X-Ray's id generator) + `-` + the other 24. */
export function xrayTraceId(otlpTraceId: string): string {
  const id = otlpTraceId.toLowerCase();
  return `1-${id.slice(0, 8)}-${id.slice(8)}`;
}

export function spanToSegment(span: OtlpSpan, resource: Record<string, Value>): ConvertedDocument {
  const attributes = attributesOf(span.attributes);
  const isSegment = span.kind === SPAN_KIND.SERVER;
  const awsCall = attributes['rpc.system'] === 'aws-api';
  const remote = !awsCall && span.kind === SPAN_KIND.CLIENT;
  const annotationKeys = new Set(stringList(attributes[XRAY_ANNOTATIONS]));
  const status = numberOf(attributes['http.response.status_code'] ?? attributes['http.status_code']);
  const failed = span.status?.code === STATUS_ERROR;
  const exceptions = exceptionsOf(span);

  const annotations: Record<string, Scalar> = {};
  const metadata: Record<string, Value> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (key === XRAY_ANNOTATIONS) continue;
    if (annotationKeys.has(key) && isScalar(value)) annotations[annotationKey(key)] = value;
    else if (!(isSegment && key === 'enduser.id')) metadata[key] = value;
  }

  const name = awsCall
    ? String(attributes['rpc.service'] ?? span.name)
    : isSegment
      ? String(resource['service.name'] ?? span.name)
      : span.name;
  const http = httpOf(attributes, status);
  const aws = awsOf(attributes, resource, awsCall);
  return {
    id: span.spanId.toLowerCase(),
    trace_id: xrayTraceId(span.traceId),
    ...(span.parentSpanId ? { parent_id: span.parentSpanId.toLowerCase() } : {}),
    ...(isSegment ? {} : { type: 'subsegment' }),
    name,
    start_time: seconds(span.startTimeUnixNano),
    end_time: seconds(span.endTimeUnixNano),
    ...(awsCall ? { namespace: 'aws' } : remote ? { namespace: 'remote' } : {}),
    ...(isSegment && typeof attributes['enduser.id'] === 'string' ? { user: attributes['enduser.id'] } : {}),
    ...(http ? { http } : {}),
    ...(aws ? { aws } : {}),
    ...flags(status, failed),
    ...(exceptions.length > 0 ? { cause: { exceptions } } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata: { default: metadata } } : {}),
  };
}

/** X-Ray: 5xx fault, 429 throttle (and error), other 4xx error; no status but an ERROR span: fault. */
function flags(status: number | undefined, failed: boolean): { fault?: true; error?: true; throttle?: true } {
  if (status !== undefined && status >= 500) return { fault: true };
  if (status === 429) return { error: true, throttle: true };
  if (status !== undefined && status >= 400) return { error: true };
  return failed ? { fault: true } : {};
}

function httpOf(attributes: Record<string, Value>, status: number | undefined): SegmentDocument['http'] {
  const method = attributes['http.request.method'] ?? attributes['http.method'];
  const url = attributes['url.full'] ?? attributes['http.url'];
  const request = {
    ...(typeof method === 'string' ? { method } : {}),
    ...(typeof url === 'string' ? { url } : {}),
  };
  if (Object.keys(request).length === 0 && status === undefined) return undefined;
  return {
    ...(Object.keys(request).length > 0 ? { request } : {}),
    ...(status === undefined ? {} : { response: { status } }),
  };
}

function awsOf(
  attributes: Record<string, Value>,
  resource: Record<string, Value>,
  awsCall: boolean,
): SegmentDocument['aws'] | undefined {
  const account = resource['cloud.account.id'];
  const fields: Record<string, Value> = {
    ...(typeof account === 'string' ? { account_id: account } : {}),
  };
  if (awsCall) {
    const table = stringList(attributes['aws.dynamodb.table_names'])[0] ?? attributes['aws.table_name'];
    Object.assign(fields, {
      ...(attributes['rpc.method'] === undefined ? {} : { operation: attributes['rpc.method'] }),
      ...(table === undefined ? {} : { table_name: table }),
      ...(attributes['aws.request_id'] === undefined ? {} : { request_id: attributes['aws.request_id'] }),
      ...(attributes['cloud.region'] === undefined ? {} : { region: attributes['cloud.region'] }),
    });
  }
  return Object.keys(fields).length > 0 ? (fields as SegmentDocument['aws']) : undefined;
}

function exceptionsOf(
  span: OtlpSpan,
): Array<{ id: string; type?: string; message?: string; stack?: string }> {
  return (span.events ?? [])
    .filter((event) => event.name === 'exception')
    .map((event, index) => {
      const attributes = attributesOf(event.attributes);
      const text = (key: string) =>
        typeof attributes[key] === 'string' ? (attributes[key] as string) : undefined;
      const type = text('exception.type');
      const message = text('exception.message');
      const stack = text('exception.stacktrace');
      return {
        id: `${span.spanId.toLowerCase().slice(0, 14)}${index.toString(16).padStart(2, '0')}`,
        ...(type === undefined ? {} : { type }),
        ...(message === undefined ? {} : { message }),
        ...(stack === undefined ? {} : { stack }),
      };
    });
}

function attributesOf(
  list: Array<{ key: string; value?: AnyValue | undefined }> | undefined,
): Record<string, Value> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

function valueOf(value: AnyValue | undefined): Value {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.kvlistValue) {
    return Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
  }
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

function stringList(value: Value | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function numberOf(value: Value | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isScalar(value: Value): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** X-Ray annotation keys are letters, digits and underscores; anything else becomes `_`. */
function annotationKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Unix nanoseconds → X-Ray's epoch seconds, exact to the microsecond. */
function seconds(value: string | number): number {
  const ns = BigInt(value);
  return Number(ns / 1000n) / 1e6;
}
