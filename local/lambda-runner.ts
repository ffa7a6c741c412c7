/**
 * Runs the project's real Lambda entry handlers in this process the way the Lambda service
 * would, and emits the X-Ray segments the service (not the function) is responsible for.
 *
 * The same segments in both tracing backends: with active tracing, API Gateway still records
 * its stage segment and Lambda its service and function segments, whichever way the function
 * sends its own data. What differs is only the function's part: the X-Ray SDK streams
 * subsegments over UDP to the daemon; the OpenTelemetry backend exports spans over OTLP/HTTP
 * (to local/otlp-receiver.ts here, X-Ray's OTLP endpoint in AWS), each a child of the function
 * segment named by `Parent=` in `_X_AMZN_TRACE_ID`. Both end up in one trace.
 *
 * - Lambda-mode environment first: `prepareLambdaEnvironment()` must run before anything
 *   imports `aws-xray-sdk-core`, which decides Lambda mode and the daemon address on load.
 * - One sandbox: invocations run one at a time. The process has one `process.env`, and the
 *   X-Ray SDK reads `_X_AMZN_TRACE_ID` from it per subsegment, so two overlapping invocations
 *   would write into each other's traces. Per-function variables are set for the invocation
 *   and restored after it.
 * - Per invocation: a trace id from the (virtual) clock, `_X_AMZN_TRACE_ID` naming the function
 *   segment as parent, a Lambda-shaped context, the handler, then the service's segments over
 *   UDP: API Gateway stage (root) or Lambda service (root of async invokes), and the function.
 * - Functions are initialised by `warm()` before traffic (as with provisioned concurrency), so
 *   the wall time of importing the SDKs never lands in a shopper's response time.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { TracingBackend } from '../functions/shared/types/tracing';
import type { SegmentDocument } from './segments-to-trace';
import {
  apiGatewayEvent,
  clientResponse,
  type ApiRequest,
  type ApiStage,
} from './pipeline/api-gateway-event';
import {
  apiStageSegment,
  functionArn,
  functionSegment,
  lambdaServiceSegment,
  type FunctionIdentity,
} from './pipeline/lambda-segments';

export type Handler<E, R> = (event: E, context: Context) => Promise<R>;

export interface LambdaFunction<E, R> {
  /** `AWS_LAMBDA_FUNCTION_NAME`. */
  name: string;
  /** Imports the entry module and returns its `handler` (called once, by `warm` or the first invoke). */
  load: () => Promise<Handler<E, R>>;
  /** Variables this function's configuration sets, on top of the shared Lambda environment. */
  env?: Readonly<Record<string, string>>;
  timeoutSeconds?: number;
  memoryMb?: number;
}

export type ApiFunction = LambdaFunction<APIGatewayProxyEvent, APIGatewayProxyResult>;

export interface Invocation<R> {
  traceId: string;
  requestId: string;
  startMs: number;
  endMs: number;
  result?: R;
  error?: Error;
}

export interface ApiInvocation extends Invocation<APIGatewayProxyResult> {
  /** What the client received (502 when the function threw). */
  response: APIGatewayProxyResult;
}

export type LogStream = 'stdout' | 'stderr';

export interface LambdaRunnerOptions {
  /** Sends one segment document to the X-Ray daemon. */
  emit: (document: SegmentDocument) => void;
  stage: ApiStage;
  now?: () => number;
  /** 16 hex characters (segment ids). */
  newSegmentId?: () => string;
  /**
   * Where the functions' stdout/stderr go (CloudWatch Logs in AWS). When set, writes made
   * during an invocation are captured and handed here instead of reaching the terminal.
   */
  logs?: (functionName: string, stream: LogStream, text: string) => void;
}

export interface LambdaRunner {
  warm<E, R>(fn: LambdaFunction<E, R>): Promise<void>;
  /**
   * An API Gateway proxy request to `fn`. Never rejects: a thrown handler is a 502 for the client.
   * `sampled: false` is X-Ray's "not traced" decision made at API Gateway: the header says
   * `Sampled=0`, the SDK in the function records nothing, and no segment is sent.
   */
  invokeApi(fn: ApiFunction, request: ApiRequest, options?: { sampled?: boolean }): Promise<ApiInvocation>;
  /**
   * An asynchronous invoke (EventBridge, Scheduler): resolves with the result, rejects with what
   * the handler threw (so the event bus can retry and dead-letter, as Lambda's async config does).
   */
  invokeAsync<E, R>(fn: LambdaFunction<E, R>, event: E): Promise<Invocation<R>>;
  invocations(): number;
}

/**
 * The variables the Lambda runtime sets for every function, which the X-Ray SDK and Powertools
 * read when they load, and the credentials the runtime would take from the function's role
 * (any value works against the stand-ins). Call once, before importing any handler.
 */
export interface FunctionTracing {
  backend: TracingBackend;
  /** Where the OpenTelemetry backend exports (X-Ray's OTLP endpoint in AWS). */
  otlpEndpoint: string;
}

export function prepareLambdaEnvironment(
  daemonAddress: string,
  region: string,
  tracing: FunctionTracing = { backend: 'xray', otlpEndpoint: '' },
): void {
  Object.assign(process.env, {
    TRACING_BACKEND: tracing.backend,
    ...(tracing.backend === 'otel' ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: tracing.otlpEndpoint } : {}),
    LAMBDA_TASK_ROOT: '/var/task',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_XRAY_DAEMON_ADDRESS: daemonAddress,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
}

export function newTraceId(nowMs: number): string {
  return `1-${Math.floor(nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

export function traceHeader(traceId: string, parentId: string, sampled = true): string {
  return `Root=${traceId};Parent=${parentId};Sampled=${sampled ? 1 : 0}`;
}

export function createLambdaRunner(options: LambdaRunnerOptions): LambdaRunner {
  const { emit, stage } = options;
  const now = options.now ?? (() => Date.now());
  const newSegmentId = options.newSegmentId ?? (() => randomBytes(8).toString('hex'));
  const handlers = new Map<string, Promise<Handler<never, unknown>>>();
  let queue: Promise<unknown> = Promise.resolve();
  let count = 0;

  /** One sandbox: each job starts when the previous one is done, whatever its outcome. */
  function serially<T>(job: () => Promise<T>): Promise<T> {
    const run = queue.then(job, job);
    queue = run.catch(() => undefined);
    return run;
  }

  function identity(fn: LambdaFunction<never, unknown>): FunctionIdentity {
    return { name: fn.name, arn: functionArn(fn.name, stage.region, stage.account), account: stage.account };
  }

  function handlerOf<E, R>(fn: LambdaFunction<E, R>): Promise<Handler<E, R>> {
    let loaded = handlers.get(fn.name);
    if (!loaded) {
      loaded = fn.load() as Promise<Handler<never, unknown>>;
      handlers.set(fn.name, loaded);
    }
    return loaded as Promise<Handler<E, R>>;
  }

  async function inFunction<E, R, T>(
    fn: LambdaFunction<E, R>,
    traceHeaderValue: string | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    const vars: Record<string, string | undefined> = {
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb ?? 256),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local/[$LATEST]0',
      _X_AMZN_TRACE_ID: traceHeaderValue,
      ...fn.env,
    };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    setEnv(vars);
    const restoreOutput = options.logs ? captureOutput(fn.name, options.logs) : () => undefined;
    try {
      return await work();
    } finally {
      restoreOutput();
      setEnv(saved);
    }
  }

  function context(fn: LambdaFunction<never, unknown>, requestId: string, startMs: number): Context {
    const deadline = startMs + (fn.timeoutSeconds ?? 30) * 1000;
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: identity(fn).arn,
      memoryLimitInMB: String(fn.memoryMb ?? 256),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: 'local/[$LATEST]0',
      getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /** Runs the handler inside its environment; never throws (the outcome says what happened). */
  async function run<E, R>(
    fn: LambdaFunction<E, R>,
    event: E,
    traceId: string,
    functionSegmentId: string,
    sampled = true,
  ): Promise<Invocation<R>> {
    const requestId = randomUUID();
    return inFunction(fn, traceHeader(traceId, functionSegmentId, sampled), async () => {
      const handler = await handlerOf(fn);
      const startMs = now();
      count += 1;
      try {
        const result = await handler(
          event,
          context(fn as LambdaFunction<never, unknown>, requestId, startMs),
        );
        return { traceId, requestId, startMs, endMs: now(), result };
      } catch (thrown) {
        const error = thrown instanceof Error ? thrown : new Error(String(thrown));
        return { traceId, requestId, startMs, endMs: now(), error };
      }
    });
  }

  /** The `AWS::Lambda::Function` segment both invocation kinds send; returns the function's identity. */
  function emitFunction(
    fn: LambdaFunction<never, unknown>,
    invocation: Awaited<ReturnType<typeof run>>,
    ids: { functionId: string; rootId: string; traceId: string },
    status?: number,
  ) {
    const fnIdentity = identity(fn);
    emit(
      functionSegment({
        id: ids.functionId,
        parentId: ids.rootId,
        traceId: ids.traceId,
        fn: fnIdentity,
        requestId: invocation.requestId,
        timing: invocation,
        outcome: {
          ...(invocation.error ? { error: invocation.error } : {}),
          ...(status === undefined ? {} : { status }),
        },
      }),
    );
    return fnIdentity;
  }

  return {
    warm: (fn) => serially(() => inFunction(fn, undefined, async () => void (await handlerOf(fn)))),

    invokeApi: (fn, request, { sampled = true } = {}) =>
      serially(async () => {
        const apiRequestId = randomUUID();
        const rootId = newSegmentId();
        const functionId = newSegmentId();
        const receivedMs = now();
        const traceId = newTraceId(receivedMs);
        const event = apiGatewayEvent(request, stage, apiRequestId, receivedMs);
        const invocation = await run(fn, event, traceId, functionId, sampled);
        const response = clientResponse(invocation.error ? undefined : invocation.result);
        const respondedMs = now();
        if (!sampled) return { ...invocation, startMs: receivedMs, endMs: respondedMs, response };
        emitFunction(fn, invocation, { functionId, rootId, traceId }, response.statusCode);
        emit(
          apiStageSegment({
            id: rootId,
            traceId,
            stage,
            request,
            requestId: apiRequestId,
            status: response.statusCode,
            contentLength: Buffer.byteLength(response.body ?? ''),
            timing: { startMs: receivedMs, endMs: respondedMs },
          }),
        );
        return { ...invocation, startMs: receivedMs, endMs: respondedMs, response };
      }),

    invokeAsync: (fn, event) =>
      serially(async () => {
        const rootId = newSegmentId();
        const functionId = newSegmentId();
        const startMs = now();
        const traceId = newTraceId(startMs);
        const invocation = await run(fn, event, traceId, functionId);
        const fnIdentity = emitFunction(fn, invocation, { functionId, rootId, traceId });
        emit(
          lambdaServiceSegment({
            id: rootId,
            traceId,
            fn: fnIdentity,
            timing: { startMs, endMs: now() },
            failed: invocation.error !== undefined,
          }),
        );
        if (invocation.error) throw invocation.error;
        return invocation;
      }),

    invocations: () => count,
  };
}

function setEnv(vars: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/**
 * Redirects process stdout/stderr to the log sink while a function runs. Writers that must
 * still reach the terminal (the live view) hold a reference to the original `write`.
 */
function captureOutput(
  functionName: string,
  sink: (functionName: string, stream: LogStream, text: string) => void,
): () => void {
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const redirect = (stream: LogStream) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      sink(functionName, stream, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = redirect('stdout');
  process.stderr.write = redirect('stderr');
  return () => {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  };
}

export interface SegmentEmitter {
  emit(document: SegmentDocument): void;
  close(): Promise<void>;
}

/** The daemon protocol: `{"format":"json","version":1}\n<segment document>` per UDP datagram. */
export function createSegmentEmitter(daemonAddress: string): SegmentEmitter {
  const [host = '127.0.0.1', port = '2000'] = daemonAddress.split(':');
  const socket = createSocket('udp4');
  socket.unref();
  return {
    emit(document) {
      socket.send(`{"format":"json","version":1}\n${JSON.stringify(document)}`, Number(port), host);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
