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
 * - Sandboxes (lambda/sandboxes.ts): invocations of different functions never overlap (the
 *   process has one `process.env`, and the X-Ray SDK reads `_X_AMZN_TRACE_ID` from it per
 *   subsegment); one function runs up to its `maxConcurrency` invocations at once (default 1,
 *   one sandbox). Per-function variables are set for the invocations and restored after them.
 * - Per invocation: a trace id from the (virtual) clock, `_X_AMZN_TRACE_ID` naming the function
 *   segment as parent, a Lambda-shaped context, the handler, then the service's segments over
 *   UDP: API Gateway stage (root) or Lambda service (root of async invokes), and the function.
 * - Functions are initialised by `warm()` before traffic (as with provisioned concurrency), so
 *   the wall time of importing the SDKs never lands in a shopper's response time.
 * - Kills (`crashes`, lambda/kill-switch.ts): an invocation dies where the crash plan says, as
 *   at Lambda's timeout: reported failed at once, its later calls refused, its output dropped.
 * - Lambda's asynchronous queue (`invokeEvent`, with `asyncQueue`): a failed or killed
 *   invocation is tried again about one and then two minutes later on the caller's scheduler
 *   (the pipeline's virtual-time agenda), and what still fails goes to the on-failure callback
 *   (the pipeline writes Lambda's invocation record to the dead-letter queue).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { TracingBackend } from '../functions/shared/types/tracing';
import type { SegmentDocument } from './segments-to-trace';
import { setEnv } from './lambda/sandboxes';
import {
  apiGatewayEvent,
  clientResponse,
  type ApiRequest,
  type ApiStage,
} from './pipeline/api-gateway-event';
import {
  createKillSwitch,
  InvocationKilled,
  type CrashPolicy,
  type KillRecord,
  type KillSwitch,
} from './lambda/kill-switch';
import { createOutputRouter, type LogSink } from './lambda/output';
import { createSandboxes } from './lambda/sandboxes';
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
  /** Invocations that may run at once (lambda/sandboxes.ts). @default 1 */
  maxConcurrency?: number;
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

export type { LogStream } from './lambda/output';
export type { CrashPlan, CrashPoint, CrashPolicy, KillRecord } from './lambda/kill-switch';

/** Lambda's waits before its two retries of an asynchronous invocation (docs/dead-letters.md, §2; docs/chaos.md). */
export const LAMBDA_ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

export interface AsyncQueueOptions {
  /** Runs `job` at virtual time `atMs` (the pipeline's agenda). */
  schedule: (atMs: number, label: string, job: () => Promise<void>) => void;
  /** Waits before each retry. @default LAMBDA_ASYNC_RETRY_DELAYS_MS */
  retryDelaysMs?: readonly number[];
  /** The on-failure destination: the event failed every attempt. */
  onFailure?: (failure: AsyncFailure) => Promise<void> | void;
}

export interface AsyncFailure {
  fn: string;
  event: unknown;
  attempts: number;
  requestId: string;
  error: Error;
  atMs: number;
}

/** One try of an asynchronous invocation, as Lambda's queue saw it. */
export interface AsyncAttempt {
  fn: string;
  key: string | undefined;
  attempt: number;
  requestId: string;
  startMs: number;
  outcome: 'succeeded' | 'failed' | 'killed';
  error?: string;
}

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
  logs?: LogSink;
  /** Where invocations die (lambda/kill-switch.ts); none: they never do. */
  crashes?: CrashPolicy;
  /** Lambda's asynchronous invocation queue, for `invokeEvent`. */
  asyncQueue?: AsyncQueueOptions;
}

/** What the caller knows about an invocation: its name for it and which try it is. */
export interface InvokeOptions {
  key?: string;
  /** @default 1 */
  attempt?: number;
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
  invokeAsync<E, R>(fn: LambdaFunction<E, R>, event: E, options?: InvokeOptions): Promise<Invocation<R>>;
  /**
   * EventBridge → Lambda (InvocationType Event): resolves once the first try is over, whatever
   * its outcome; a failed try is retried on Lambda's schedule through `asyncQueue`.
   */
  invokeEvent<E>(
    fn: LambdaFunction<E, unknown>,
    event: E,
    options?: Pick<InvokeOptions, 'key'>,
  ): Promise<void>;
  invocations(): number;
  /** Invocations killed so far (with `crashes`). */
  kills(): KillRecord[];
  /** Every try `invokeEvent` made. */
  asyncAttempts(): AsyncAttempt[];
  /** Removes the crash hook and the output redirect; killed invocations stay cut off. */
  close(): void;
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
  const sandboxes = createSandboxes();
  const killSwitch: KillSwitch | undefined = options.crashes
    ? createKillSwitch({ policy: options.crashes, now })
    : undefined;
  const output =
    options.logs || killSwitch
      ? createOutputRouter({
          sink: options.logs,
          owner: () => ({ fn: killSwitch?.currentFunction(), killed: killSwitch?.inKilledScope() ?? false }),
        })
      : undefined;
  const attempts: AsyncAttempt[] = [];
  let count = 0;

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

  /** Runs `work` in one of `fn`'s sandboxes, with its variables and (optionally) a trace header. */
  async function inSandbox<T>(
    fn: LambdaFunction<never, unknown>,
    work: (setTraceHeader: (value: string) => void) => Promise<T>,
  ): Promise<T> {
    await sandboxes.enter(fn, {
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb ?? 256),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local/[$LATEST]0',
      _X_AMZN_TRACE_ID: undefined,
      ...fn.env,
    });
    output?.enter(fn.name);
    try {
      return await work((value) => setEnv({ _X_AMZN_TRACE_ID: value }));
    } finally {
      output?.leave();
      sandboxes.leave(fn);
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

  /**
   * Runs the handler (already in its sandbox); never throws: the outcome says what happened,
   * a kill included (`error` is then InvocationKilled).
   */
  async function run<E, R>(
    fn: LambdaFunction<E, R>,
    event: E,
    call: InvokeOptions,
  ): Promise<Omit<Invocation<R>, 'traceId'>> {
    const requestId = randomUUID();
    const handler = await handlerOf(fn);
    const startMs = now();
    count += 1;
    const invoke = () => handler(event, context(fn as LambdaFunction<never, unknown>, requestId, startMs));
    try {
      if (!killSwitch) return { requestId, startMs, endMs: now(), result: await invoke() };
      const info = { fn: fn.name, requestId, attempt: call.attempt ?? 1, key: call.key, event };
      const outcome = await killSwitch.run(info, invoke);
      if ('value' in outcome) return { requestId, startMs, endMs: now(), result: outcome.value };
      output?.pin();
      return { requestId, startMs, endMs: now(), error: new InvocationKilled(outcome.killed) };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      return { requestId, startMs, endMs: now(), error };
    }
  }

  /** The `AWS::Lambda::Function` segment both invocation kinds send; returns the function's identity. */
  function emitFunction(
    fn: LambdaFunction<never, unknown>,
    invocation: Invocation<unknown>,
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

  function invokeAsync<E, R>(
    fn: LambdaFunction<E, R>,
    event: E,
    call: InvokeOptions = {},
  ): Promise<Invocation<R>> {
    return inSandbox(fn as LambdaFunction<never, unknown>, async (setTraceHeader) => {
      const rootId = newSegmentId();
      const functionId = newSegmentId();
      const startMs = now();
      const traceId = newTraceId(startMs);
      setTraceHeader(traceHeader(traceId, functionId));
      const invocation: Invocation<R> = { traceId, ...(await run(fn, event, call)) };
      const fnIdentity = emitFunction(fn as LambdaFunction<never, unknown>, invocation, {
        functionId,
        rootId,
        traceId,
      });
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
    });
  }

  /** One try of an asynchronous invocation; schedules the next on failure (Lambda's queue). */
  async function tryEvent(
    fn: LambdaFunction<unknown, unknown>,
    event: unknown,
    key: string | undefined,
    attempt: number,
  ): Promise<void> {
    const queue = options.asyncQueue;
    if (!queue) throw new Error("invokeEvent needs the runner's asyncQueue option");
    const startMs = now();
    try {
      const invocation = await invokeAsync(fn, event, { key, attempt });
      attempts.push({
        fn: fn.name,
        key,
        attempt,
        requestId: invocation.requestId,
        startMs,
        outcome: 'succeeded',
      });
      return;
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      const killed = error instanceof InvocationKilled;
      const requestId = killed ? error.record.requestId : (/RequestId: (\S+)/.exec(error.message)?.[1] ?? '');
      attempts.push({
        fn: fn.name,
        key,
        attempt,
        requestId,
        startMs,
        outcome: killed ? 'killed' : 'failed',
        error: `${error.name}: ${error.message}`,
      });
      const delay = (queue.retryDelaysMs ?? LAMBDA_ASYNC_RETRY_DELAYS_MS)[attempt - 1];
      if (delay === undefined) {
        await queue.onFailure?.({ fn: fn.name, event, attempts: attempt, requestId, error, atMs: now() });
        return;
      }
      queue.schedule(now() + delay, `${fn.name} retry ${attempt + 1}`, () =>
        tryEvent(fn, event, key, attempt + 1),
      );
    }
  }

  return {
    warm: (fn) =>
      inSandbox(fn as LambdaFunction<never, unknown>, async () => {
        await handlerOf(fn);
      }),

    invokeApi: (fn, request, { sampled = true } = {}) =>
      inSandbox(fn as LambdaFunction<never, unknown>, async (setTraceHeader) => {
        const apiRequestId = randomUUID();
        const rootId = newSegmentId();
        const functionId = newSegmentId();
        const receivedMs = now();
        const traceId = newTraceId(receivedMs);
        setTraceHeader(traceHeader(traceId, functionId, sampled));
        const event = apiGatewayEvent(request, stage, apiRequestId, receivedMs);
        const invocation: Invocation<APIGatewayProxyResult> = { traceId, ...(await run(fn, event, {})) };
        const response = clientResponse(invocation.error ? undefined : invocation.result);
        const respondedMs = now();
        if (!sampled) return { ...invocation, startMs: receivedMs, endMs: respondedMs, response };
        emitFunction(
          fn as LambdaFunction<never, unknown>,
          invocation,
          { functionId, rootId, traceId },
          response.statusCode,
        );
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

    invokeAsync,

    invokeEvent: (fn, event, call = {}) =>
      tryEvent(fn as LambdaFunction<unknown, unknown>, event, call.key, 1),

    invocations: () => count,
    kills: () => killSwitch?.kills() ?? [],
    asyncAttempts: () => [...attempts],
    close() {
      killSwitch?.close();
      output?.close();
    },
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
