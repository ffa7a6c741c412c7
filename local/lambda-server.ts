/**
 * Lambda Invoke stand-in: the REST API `@aws-sdk/client-lambda` speaks for `Invoke`,
 * `POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]`, in front of the
 * project's real handlers, which run through the Lambda runner (lambda-runner.ts: one
 * sandbox, Lambda's environment and segments). Facts from the Lambda API Reference (Invoke)
 * and Developer Guide (asynchronous invocation, invocation records); docs/dead-letters.md
 * quotes them.
 *
 * | request                                 | answer                                                              |
 * |-----------------------------------------|---------------------------------------------------------------------|
 * | `X-Amz-Invocation-Type: RequestResponse` | 200 with the handler's result as JSON and `X-Amz-Executed-Version`; |
 * | (the default)                           | a thrown handler: still 200, `X-Amz-Function-Error: Unhandled`, body |
 * |                                         | `{errorType, errorMessage, trace}` as the Node.js runtime writes it |
 * | `Event`                                 | 202, empty body; the event is queued and run with Lambda's retries  |
 * |                                         | (two more tries, one then two minutes apart; injectable), then the  |
 * |                                         | on-failure invocation record goes to `onFailure`                    |
 * | `DryRun`                                | 204, nothing runs                                                   |
 * | unknown function or qualifier           | 404 `ResourceNotFoundException`                                     |
 * | body not JSON                           | 400 `InvalidRequestContentException`                                |
 * | payload over 6 MB (sync) / 1 MB (Event) | 413 `RequestTooLargeException`                                      |
 *
 * Both invocation types run through the runner's `invokeAsync`, which emits the Lambda service
 * and function segments that an actively traced invocation of either type gets.
 *
 * Function names may be a name, a full ARN or a partial ARN (`account:function:name`), with an
 * optional `:$LATEST`. Only `$LATEST` exists. Not modelled: `X-Amz-Log-Type: Tail` (no
 * `X-Amz-Log-Result`), client context, throttling and concurrency (the runner has one sandbox),
 * and the duplicate deliveries Lambda's async queue may make (the event bus models those).
 * An invocation record over 256 KB loses its payloads: the OnFailure reference says so for
 * SNS destinations ("Lambda will drop the payload"); the same limit is assumed for SQS.
 */
import { randomUUID } from 'node:crypto';
import { functionArn } from './pipeline/lambda-segments';
import type { LambdaFunction, LambdaRunner } from './lambda-runner';
import { header, startHttpServer, type HttpReply, type HttpRequest } from './http-server';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;
/** Above this Lambda drops the payloads from an invocation record (documented for SNS, assumed for SQS). */
export const MAX_RECORD_BYTES = 256 * 1024;
/** "a one-minute wait between the first two attempts, and two minutes between the second and third". */
export const LAMBDA_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];
/** The default (and maximum) maximum event age: 6 hours. */
export const LAMBDA_MAX_EVENT_AGE_MS = 6 * 60 * 60_000;

/** The function's async-invoke configuration (`AWS::Lambda::EventInvokeConfig`). */
export interface AsyncInvokeConfig {
  /** 0–2 (default 2). */
  maximumRetryAttempts?: number;
  maximumEventAgeMs?: number;
  /** Wait before each retry (default Lambda's 1 and 2 minutes; tests pass zeros). */
  retryDelaysMs?: readonly number[];
  /** The on-failure destination; a rejection counts as a `DestinationDeliveryFailures`. */
  onFailure?: (record: InvocationRecord) => Promise<void>;
}

export interface HostedFunction {
  fn: LambdaFunction<unknown, unknown>;
  async?: AsyncInvokeConfig;
}

/** Lambda's invocation record, as sent to an on-failure destination. */
export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload?: unknown;
  responseContext?: { statusCode: number; executedVersion: string; functionError: string };
  responsePayload?: unknown;
}

export interface InvokeLogEntry {
  functionName: string;
  invocationType: 'RequestResponse' | 'Event' | 'DryRun';
  requestId: string;
  /** What happened to it in the end (`queued` while an async one is still pending). */
  outcome: 'succeeded' | 'function-error' | 'dry-run' | 'queued' | 'dead-lettered' | 'dropped';
  attempts: number;
}

export interface LambdaServerOptions {
  runner: LambdaRunner;
  functions: HostedFunction[];
  region?: string;
  account?: string;
  /** Milliseconds since the epoch (event age, record timestamps). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface LambdaServer {
  url: string;
  invocations(): InvokeLogEntry[];
  /** Count of on-failure records the destination refused (Lambda's DestinationDeliveryFailures). */
  destinationDeliveryFailures(): number;
  /** Resolves when every queued asynchronous invocation has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

class LambdaError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const hosted = new Map(options.functions.map((h) => [h.fn.name, h]));
  const log: InvokeLogEntry[] = [];
  const pending = new Set<Promise<void>>();
  let destinationFailures = 0;

  function resolveFunction(rawName: string, qualifier: string | null): HostedFunction {
    const name = decodeURIComponent(rawName);
    const match =
      /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9_.-]+)(?::([$a-zA-Z0-9_-]+))?$/.exec(
        name,
      );
    const [, inAccount, fnName = '', inQualifier] = match ?? [];
    const version = qualifier ?? inQualifier ?? '$LATEST';
    const target = hosted.get(fnName);
    if (!match || !target || version !== '$LATEST' || (inAccount !== undefined && inAccount !== account)) {
      throw new LambdaError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${functionArn(fnName || name, region, account)}${version === '$LATEST' ? '' : `:${version}`}`,
      );
    }
    return target;
  }

  function parsePayload(body: Buffer, limit: number): unknown {
    if (body.length > limit) {
      throw new LambdaError(
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      );
    }
    if (body.length === 0) return {};
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new LambdaError(
        400,
        'InvalidRequestContentException',
        `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async function invokeSync(target: HostedFunction, event: unknown, requestId: string): Promise<HttpReply> {
    const entry: InvokeLogEntry = {
      functionName: target.fn.name,
      invocationType: 'RequestResponse',
      requestId,
      outcome: 'succeeded',
      attempts: 1,
    };
    log.push(entry);
    const headers = {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amz-executed-version': '$LATEST',
    };
    try {
      const invocation = await options.runner.invokeAsync(target.fn, event);
      return { status: 200, headers, body: JSON.stringify(invocation.result ?? null) };
    } catch (error) {
      entry.outcome = 'function-error';
      return {
        status: 200,
        headers: { ...headers, 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify(errorDocument(error)),
      };
    }
  }

  /** Lambda's async queue for one event: attempts, waits, and the record when it gives up. */
  async function runQueued(target: HostedFunction, event: unknown, entry: InvokeLogEntry): Promise<void> {
    const config = target.async ?? {};
    const retries = config.maximumRetryAttempts ?? 2;
    const delays = config.retryDelaysMs ?? LAMBDA_RETRY_DELAYS_MS;
    const maxAgeMs = config.maximumEventAgeMs ?? LAMBDA_MAX_EVENT_AGE_MS;
    const queuedAt = now();
    let lastError: unknown;
    let condition: InvocationRecord['requestContext']['condition'] = 'RetriesExhausted';
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      if (attempt > 1) {
        await sleep(delays[attempt - 2] ?? delays.at(-1) ?? 0);
        if (now() - queuedAt > maxAgeMs) {
          condition = 'EventAgeExceeded';
          break;
        }
      }
      entry.attempts = attempt;
      try {
        await options.runner.invokeAsync(target.fn, event);
        entry.outcome = 'succeeded';
        return;
      } catch (error) {
        lastError = error;
      }
    }
    entry.outcome = 'dropped';
    if (!config.onFailure) return;
    const record = invocationRecord({
      requestId: entry.requestId,
      functionArn: `${functionArn(target.fn.name, region, account)}:$LATEST`,
      condition,
      attempts: entry.attempts,
      event,
      error: lastError,
      at: new Date(now()),
    });
    try {
      await config.onFailure(record);
      entry.outcome = 'dead-lettered';
    } catch {
      destinationFailures += 1;
    }
  }

  async function handle(request: HttpRequest): Promise<HttpReply> {
    const requestId = randomUUID();
    try {
      const path = INVOKE_PATH.exec(request.path);
      if (request.method !== 'POST' || !path) {
        throw new LambdaError(404, 'UnknownOperationException', `${request.method} ${request.path}`);
      }
      const target = resolveFunction(path[1]!, request.query.get('Qualifier'));
      const type = header(request, 'x-amz-invocation-type') ?? 'RequestResponse';
      if (type === 'RequestResponse') {
        return await invokeSync(target, parsePayload(request.body, MAX_SYNC_PAYLOAD_BYTES), requestId);
      }
      if (type === 'DryRun') {
        parsePayload(request.body, MAX_SYNC_PAYLOAD_BYTES);
        log.push({
          functionName: target.fn.name,
          invocationType: 'DryRun',
          requestId,
          outcome: 'dry-run',
          attempts: 0,
        });
        return { status: 204, headers: { 'x-amzn-requestid': requestId } };
      }
      if (type === 'Event') {
        const event = parsePayload(request.body, MAX_ASYNC_PAYLOAD_BYTES);
        const entry: InvokeLogEntry = {
          functionName: target.fn.name,
          invocationType: 'Event',
          requestId,
          outcome: 'queued',
          attempts: 0,
        };
        log.push(entry);
        const job = runQueued(target, event, entry).finally(() => pending.delete(job));
        pending.add(job);
        return { status: 202, headers: { 'x-amzn-requestid': requestId } };
      }
      throw new LambdaError(
        400,
        'InvalidParameterValueException',
        `InvocationType ${type} is not one of Event, RequestResponse, DryRun`,
      );
    } catch (error) {
      if (!(error instanceof LambdaError)) throw error;
      return restJsonError(error, requestId);
    }
  }

  const server = await startHttpServer(handle);
  return {
    url: server.url,
    invocations: () => log.map((e) => ({ ...e })),
    destinationDeliveryFailures: () => destinationFailures,
    idle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: server.close,
  };
}

/** What the Node.js runtime returns for a thrown error (Lambda Developer Guide, Node.js errors). */
export function errorDocument(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
}

export function invocationRecord(input: {
  requestId: string;
  functionArn: string;
  condition: InvocationRecord['requestContext']['condition'];
  attempts: number;
  event: unknown;
  error: unknown;
  at: Date;
}): InvocationRecord {
  const record: InvocationRecord = {
    version: '1.0',
    timestamp: input.at.toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.attempts,
    },
    requestPayload: input.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: errorDocument(input.error),
  };
  if (Buffer.byteLength(JSON.stringify(record), 'utf8') <= MAX_RECORD_BYTES) return record;
  const { requestPayload: _request, responsePayload: _response, ...withoutPayloads } = record;
  return withoutPayloads;
}

/** Lambda's REST-JSON error: the type in `x-amzn-ErrorType`, `{Type, Message}` in the body. */
function restJsonError(error: LambdaError, requestId: string): HttpReply {
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': error.type,
      'x-amzn-requestid': requestId,
    },
    body: JSON.stringify({ Type: error.status >= 500 ? 'Service' : 'User', Message: error.message }),
  };
}
