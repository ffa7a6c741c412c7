/**
 * Local stand-in for X-Ray's OTLP endpoint (`POST /v1/traces`): takes OTLP/JSON over HTTP, as the
 * OpenTelemetry backend's exporter sends it (functions/shared/otel/xray-otlp-exporter.ts), turns
 * each span into the segment document X-Ray would store, and hands it to the same segment sink
 * the UDP daemon feeds (local/segment-sink.ts). Point a function at it with
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=<url>/v1/traces`.
 *
 * As the real endpoint does: HTTP only, JSON or gzip'd JSON (`content-encoding: gzip`); a request
 * without a SigV4 `Authorization` for service `xray` is refused (403; the signature itself is not
 * re-computed, any credentials work); a body that is not an ExportTraceServiceRequest is a 400
 * that says why, and nothing of it is stored. Protobuf is a 415 here (the exporter sends JSON).
 *
 * Span → segment document (local/otlp-to-segments.ts implements it):
 *
 * | segment field            | from the span                                                                 |
 * |--------------------------|-------------------------------------------------------------------------------|
 * | `trace_id`               | `1-` + traceId[0..8] + `-` + traceId[8..32] (X-Ray ids: the first 8 hex are the start time) |
 * | `id`, `parent_id`        | spanId, parentSpanId (the Lambda function segment's id for a function's first span) |
 * | `type`                   | SERVER → a segment; every other kind → `"subsegment"`                        |
 * | `name`                   | AWS call (`rpc.system` = `aws-api`) → `rpc.service`; SERVER → resource `service.name`; else the span name |
 * | `namespace`              | `aws` for AWS calls, `remote` for other CLIENT spans                         |
 * | `start_time`, `end_time` | start/end unix nanoseconds → epoch seconds (µs precision)                   |
 * | `http.request`           | `http.request.method` (or `http.method`), `url.full` (or `http.url`)          |
 * | `http.response.status`   | `http.response.status_code` (or `http.status_code`)                          |
 * | `aws`                    | `rpc.method` → `operation`, `aws.dynamodb.table_names[0]` → `table_name`, `aws.request_id`, `cloud.region` → `region`; resource `cloud.account.id` → `account_id` |
 * | `fault`/`error`/`throttle` | status 5xx → fault; 429 → throttle + error; other 4xx → error; no status but span status ERROR → fault |
 * | `cause.exceptions`       | each `exception` event: `exception.type`, `.message`, `.stacktrace`          |
 * | `annotations`            | the attributes whose keys `aws.xray.annotations` lists (scalars; keys with characters other than letters, digits, `_` get `_`) |
 * | `user`                   | `enduser.id` on a SERVER span (X-Ray has `user` on segments only)            |
 * | `metadata.default`       | every other attribute (`enduser.id` of a subsegment included); `aws.xray.annotations` itself is dropped |
 * | `in_progress`            | never: OTLP carries ended spans only                                         |
 */
import { gunzipSync } from 'node:zlib';
import { header, jsonReply, startHttpServer, type HttpReply, type HttpRequest } from './http-server';
import { exportTraceServiceRequestSchema, otlpToSegments } from './otlp-to-segments';
import { createSegmentSink, type SegmentSink } from './segment-sink';
import type { TraceStore } from './trace-store';

export interface OtlpReceiverOptions {
  store: TraceStore;
  /** Shared with the UDP daemon so one trace can mix both; default: one of its own. */
  sink?: SegmentSink;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The value for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
  tracesEndpoint: string;
  /** Spans accepted so far. */
  received(): number;
  /** Requests refused, with the status and reason. */
  rejected(): Array<{ status: number; reason: string }>;
  close(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/xray\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/;

export async function startOtlpReceiver({
  store,
  sink = createSegmentSink(store),
}: OtlpReceiverOptions): Promise<OtlpReceiver> {
  let received = 0;
  const rejected: Array<{ status: number; reason: string }> = [];
  const refuse = (status: number, reason: string): HttpReply => {
    rejected.push({ status, reason });
    return jsonReply(status, { message: reason });
  };

  const handle = (request: HttpRequest): HttpReply => {
    if (request.path !== '/v1/traces')
      return refuse(404, `no such path ${request.path} (traces go to /v1/traces)`);
    if (request.method !== 'POST') return refuse(405, `${request.method} /v1/traces: only POST`);
    if (!SIGV4.test(header(request, 'authorization') ?? '')) {
      return refuse(403, 'missing or malformed SigV4 Authorization for service xray');
    }
    const type = (header(request, 'content-type') ?? '').split(';')[0]?.trim();
    if (type !== 'application/json') {
      return refuse(
        415,
        `content-type ${type || '(none)'}: this stand-in reads OTLP/JSON (application/json)`,
      );
    }
    let text: string;
    try {
      text = (
        header(request, 'content-encoding') === 'gzip' ? gunzipSync(request.body) : request.body
      ).toString('utf8');
    } catch {
      return refuse(400, 'content-encoding gzip, but the body does not gunzip');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return refuse(400, 'the body is not JSON');
    }
    const parsed = exportTraceServiceRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return refuse(
        400,
        `not an ExportTraceServiceRequest: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
      );
    }
    const documents = otlpToSegments(parsed.data);
    for (const document of documents) sink.put(document);
    received += documents.length;
    return jsonReply(200, { partialSuccess: {} });
  };

  const server = await startHttpServer(handle);
  return {
    url: server.url,
    tracesEndpoint: `${server.url}/v1/traces`,
    received: () => received,
    rejected: () => [...rejected],
    close: () => server.close(),
  };
}
