/**
 * The OpenTelemetry backend of the tracing port (contract: ./types/tracing.ts), sending OTLP to
 * X-Ray's OTLP endpoint from the function itself (no collector, no layer).
 *
 * - Parent: Lambda still emits its function segment (active tracing); the trace header it sets
 *   (`_X_AMZN_TRACE_ID`, or the invoke store in multi-concurrency runtimes) names that segment
 *   as `Parent=`, and `@opentelemetry/propagator-aws-xray` turns it into the span context every
 *   span of the invocation descends from. The sampling decision is Lambda's (`Sampled=`): a
 *   parent-based sampler, never a new root trace.
 * - Ids: X-Ray ids (`@opentelemetry/id-generator-aws-xray`: the first 32 bits of a trace id are
 *   its start time), so a trace started here would also be valid in X-Ray.
 * - Annotations: span attributes whose keys are listed in the span's `aws.xray.annotations`
 *   attribute, which X-Ray stores as annotations (filter expressions and groups see them); every
 *   other attribute becomes metadata (AWS X-Ray developer guide; docs/tracing-backends.md).
 * - Timestamps: `Date.now()`, like the X-Ray SDK, so an injected clock governs both backends
 *   (the OTel SDK's default reads `performance`, which ignores it).
 * - Delivery: a span with no open parent in this process (the annotations span of a request, or
 *   an AWS call made outside one) is exported when it ends, with every span under it, and the
 *   caller waits for that export: Lambda freezes the sandbox once the handler returns, so an
 *   export left pending could be lost. The wait is one HTTPS round trip to the regional endpoint
 *   on a kept-alive connection, bounded by OTEL_EXPORTER_OTLP_TRACES_TIMEOUT.
 *
 * Environment (all optional): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (default
 * `https://xray.${AWS_REGION}.amazonaws.com/v1/traces`), OTEL_EXPORTER_OTLP_TRACES_TIMEOUT
 * (milliseconds, default 2000), OTEL_SERVICE_NAME (default the function name).
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import {
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Env } from './config';
import { ConfigError } from './errors';
import { captureAwsClient, failed } from './otel/aws-sdk-spans';
import { XRayOtlpExporter } from './otel/xray-otlp-exporter';
import type { Annotate, AnnotationValue, Tracing, TracingLog } from './types/tracing';

/** The attribute listing which of a span's attributes X-Ray indexes as annotations. */
export const XRAY_ANNOTATIONS_ATTRIBUTE = 'aws.xray.annotations';
/** OpenTelemetry semantic conventions: the authenticated end user. */
export const ENDUSER_ID_ATTRIBUTE = 'enduser.id';
const TRACE_HEADER = 'x-amzn-trace-id';
const DEFAULT_TIMEOUT_MS = 2000;

export interface OtelSettings {
  endpoint: URL;
  region: string;
  timeoutMs: number;
  serviceName: string;
}

export function otelSettings(env: Env): OtelSettings {
  const problems: string[] = [];
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '';
  if (!region) problems.push('AWS_REGION: needed to sign for and find X-Ray');
  const endpointText =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `https://xray.${region}.amazonaws.com/v1/traces`;
  let endpoint: URL | undefined;
  try {
    endpoint = new URL(endpointText);
    if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    problems.push(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: not an http(s) URL: "${endpointText}"`);
  }
  const timeoutText = env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT;
  const timeoutMs =
    timeoutText === undefined || timeoutText === '' ? DEFAULT_TIMEOUT_MS : Number(timeoutText);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    problems.push(`OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: milliseconds > 0, not "${timeoutText}"`);
  }
  if (problems.length > 0 || !endpoint) throw new ConfigError(problems);
  return {
    endpoint,
    region,
    timeoutMs,
    serviceName: env.OTEL_SERVICE_NAME || env.AWS_LAMBDA_FUNCTION_NAME || 'lambda',
  };
}

/** The invocation's trace header: the invoke store where the runtime has one, else the variable. */
function lambdaTraceHeader(env: Env): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId?(): string | undefined } } })
    .awslambda?.InvokeStore;
  return store?.getXRayTraceId?.() ?? env._X_AMZN_TRACE_ID;
}

const headerGetter: TextMapGetter<Record<string, string | undefined>> = {
  get: (carrier, key) => carrier[key.toLowerCase()],
  keys: (carrier) => Object.keys(carrier),
};

/** X-Ray annotation keys are letters, digits and underscores. */
function annotationKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_]/g, '_');
}

export async function createOtelTracing(env: Env = process.env, log?: TracingLog): Promise<Tracing> {
  const settings = otelSettings(env);
  const exporter = new XRayOtlpExporter({
    endpoint: settings.endpoint,
    region: settings.region,
    credentials: fromEnv(),
    timeoutMs: settings.timeoutMs,
    log,
  });
  // Exports happen on forceFlush at the end of each local root; the timer only backs that up.
  const processor = new BatchSpanProcessor(exporter, {
    scheduledDelayMillis: 60_000,
    maxExportBatchSize: 512,
    maxQueueSize: 2048,
    // The exporter's own deadline (with a reason in the log) fires first; this only backs it up.
    exportTimeoutMillis: settings.timeoutMs + 500,
  });
  const provider = new BasicTracerProvider({
    idGenerator: new AWSXRayIdGenerator(),
    sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.region': settings.region,
      ...(env.AWS_LAMBDA_FUNCTION_NAME ? { 'faas.name': env.AWS_LAMBDA_FUNCTION_NAME } : {}),
    }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('user-impact-alerting');
  const propagator = new AWSXRayPropagator();
  const contexts = new AsyncLocalStorageContextManager().enable();

  const invocationContext = (): Context => {
    // Read per invocation: the runtime sets a new header for each one.
    const header = lambdaTraceHeader(process.env);
    return header ? propagator.extract(ROOT_CONTEXT, { [TRACE_HEADER]: header }, headerGetter) : ROOT_CONTEXT;
  };
  const parentContext = () => {
    const active = contexts.active();
    return trace.getSpan(active)
      ? { context: active, localRoot: false }
      : { context: invocationContext(), localRoot: true };
  };
  const deliver = () => processor.forceFlush().catch(() => undefined);

  return {
    enabled: true,
    async withAnnotations(name, fn) {
      const { context: parent, localRoot } = parentContext();
      const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: Date.now() }, parent);
      const keys = new Set<string>();
      try {
        return await contexts.with(trace.setSpan(parent, span), () => fn(annotator(span, keys)));
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        if (keys.size > 0) span.setAttribute(XRAY_ANNOTATIONS_ATTRIBUTE, [...keys]);
        span.end(Date.now());
        if (localRoot) await deliver();
      }
    },
    captureClient: (client) =>
      captureAwsClient(client, { tracer, propagator, parentContext, afterLocalRoot: deliver }),
  };
}

function annotator(span: Span, keys: Set<string>): Annotate {
  return Object.assign(
    (key: string, value: AnnotationValue) => {
      const name = annotationKey(key);
      keys.add(name);
      span.setAttribute(name, value);
    },
    { user: (id: string) => void span.setAttribute(ENDUSER_ID_ATTRIBUTE, id) },
  );
}
