/**
 * One CLIENT span per AWS SDK v3 call, added to the client's own middleware stack (the same place
 * the X-Ray SDK's v3 patcher goes), with the attributes X-Ray turns into an `aws` subsegment:
 *
 * | attribute                        | value                               | X-Ray field                         |
 * |----------------------------------|-------------------------------------|-------------------------------------|
 * | span name, `rpc.service`         | `DynamoDB` (client name − `Client`) | `name`, `namespace: "aws"`          |
 * | `rpc.system`                     | `aws-api`                           | marks the span as an AWS call       |
 * | `rpc.method`                     | `Query` (command − `Command`)       | `aws.operation`                     |
 * | `aws.dynamodb.table_names`       | `[TableName]` when the input has one| `aws.table_name`                    |
 * | `cloud.region`                   | the client's region                 | `aws.region`                        |
 * | `http.response.status_code`      | the response's (or error's) status  | `http.response.status`, flags       |
 * | `aws.request_id`                 | `$metadata.requestId`               | `aws.request_id`                    |
 * | status ERROR + exception event   | on a thrown error                   | `fault`/`error`, `cause.exceptions` |
 *
 * The outgoing request carries `X-Amzn-Trace-Id` for this span, as the X-Ray SDK's does.
 *
 * Rejected: `@opentelemetry/instrumentation-aws-sdk`. It patches modules as they are
 * `require`d, which a bundled function never does, and it brings the instrumentation base.
 */
import {
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import type { AwsV3Client } from '../types/tracing';

export interface AwsSdkSpanOptions {
  tracer: Tracer;
  propagator: TextMapPropagator;
  /** The context a span should start in: the open span's, else the Lambda invocation's. */
  parentContext: () => { context: Context; localRoot: boolean };
  /** Called after a span that had no open parent ended, before the call returns (delivery). */
  afterLocalRoot: () => Promise<void>;
}

interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}

interface MiddlewareArgs {
  input?: Record<string, unknown>;
  request?: { headers?: Record<string, string> };
}

interface CallMetadata {
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

type Next = (args: MiddlewareArgs) => Promise<{ output?: CallMetadata; response?: { statusCode?: number } }>;

interface Stack {
  add(
    middleware: (next: Next, context: MiddlewareContext) => Next,
    options: { step: string; name: string },
  ): void;
  remove(name: string): boolean;
}

const MIDDLEWARE_NAME = 'UiaOpenTelemetrySpans';

export function captureAwsClient<C extends AwsV3Client>(client: C, options: AwsSdkSpanOptions): C {
  const stack = client.middlewareStack as unknown as Stack;
  const config = client.config as { region?: () => Promise<string> };
  stack.remove(MIDDLEWARE_NAME);
  stack.add(
    (next, context) => async (args) => {
      const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
      const operation = (context.commandName ?? 'Call').replace(/Command$/, '');
      const { context: parent, localRoot } = options.parentContext();
      const span = options.tracer.startSpan(
        service,
        {
          kind: SpanKind.CLIENT,
          startTime: Date.now(),
          attributes: {
            'rpc.system': 'aws-api',
            'rpc.service': service,
            'rpc.method': operation,
            ...tableNames(args.input),
            ...(await regionOf(config)),
          },
        },
        parent,
      );
      if (args.request?.headers) {
        options.propagator.inject(trace.setSpan(parent, span), args.request.headers, {
          set: (carrier, key, value) => {
            (carrier as Record<string, string>)[key === 'x-amzn-trace-id' ? 'X-Amzn-Trace-Id' : key] = value;
          },
        });
      }
      try {
        const result = await next(args);
        record(span, result.output?.$metadata, result.response?.statusCode);
        return result;
      } catch (error) {
        const metadata = (error as CallMetadata | undefined)?.$metadata;
        record(span, metadata, undefined);
        failed(span, error);
        throw error;
      } finally {
        span.end(Date.now());
        if (localRoot) await options.afterLocalRoot();
      }
    },
    { step: 'build', name: MIDDLEWARE_NAME },
  );
  return client;
}

function tableNames(input: Record<string, unknown> | undefined): Record<string, string[]> {
  const name = input?.TableName;
  return typeof name === 'string' ? { 'aws.dynamodb.table_names': [name] } : {};
}

async function regionOf(config: { region?: () => Promise<string> }): Promise<Record<string, string>> {
  try {
    const region = await config.region?.();
    return region ? { 'cloud.region': region } : {};
  } catch {
    return {};
  }
}

function record(span: Span, metadata: CallMetadata['$metadata'], status: number | undefined): void {
  const code = metadata?.httpStatusCode ?? status;
  if (code !== undefined) span.setAttribute('http.response.status_code', code);
  if (metadata?.requestId) span.setAttribute('aws.request_id', metadata.requestId);
}

/** Exception event and ERROR status: X-Ray reads these as the cause and the fault. */
export function failed(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception, Date.now());
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}
