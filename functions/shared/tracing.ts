/**
 * The only module that knows about the X-Ray SDK. Handlers see a {@link Tracing}: run a unit of
 * work on a named subsegment with annotations, and capture an AWS SDK v3 client. Keeping the
 * surface this small is what lets an OpenTelemetry implementation replace the SDK (in
 * maintenance mode) without touching a handler.
 *
 * The SDK is loaded lazily, and only when tracing is on: importing it reads the environment
 * (Lambda mode, daemon address) and installs async hooks for the whole process, so plain local
 * runs and tests never pay for it, never need a daemon and never print "missing context".
 */
import type * as XRay from 'aws-xray-sdk-core';
import type { Subsegment } from 'aws-xray-sdk-core';
import type { Env } from './config';

export type AnnotationValue = string | number | boolean;
export type Annotate = (key: string, value: AnnotationValue) => void;

/** Structural shape of an AWS SDK v3 client, enough to add the X-Ray middleware to it. */
export interface AwsV3Client {
  middlewareStack: { use: unknown; remove: unknown };
  config: unknown;
}

export interface Tracing {
  /** True when subsegments are recorded and sent to the daemon. */
  readonly enabled: boolean;
  /**
   * Runs `fn` on a subsegment called `name` (Lambda's own segment is immutable, so annotations
   * must live on a subsegment). The subsegment closes in `finally`: when `fn` throws, the
   * annotations set so far and the exception are still recorded, and the error is rethrown so the
   * invocation stays a fault.
   */
  withAnnotations<T>(name: string, fn: (annotate: Annotate) => Promise<T>): Promise<T>;
  /** Makes each call of `client` a subsegment (service, operation, status, fault/throttle). */
  captureClient<C extends AwsV3Client>(client: C): C;
}

/** Where the SDK's own warnings go, so they reach the structured log with the trace id. */
export interface TracingLog {
  warn(message: string): void;
  error(message: string): void;
}

const ignore: Annotate = () => undefined;

/** Tracing off: runs the work, records nothing, loads nothing. */
export const noTracing: Tracing = {
  enabled: false,
  withAnnotations: (_name, fn) => fn(ignore),
  captureClient: (client) => client,
};

/** Tracing on in Lambda (or a Lambda emulation), unless switched off the Powertools way. */
export function tracingEnabled(env: Env = process.env): boolean {
  return Boolean(env.LAMBDA_TASK_ROOT) && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
}

export async function tracingFromEnv(env: Env = process.env, log?: TracingLog): Promise<Tracing> {
  return tracingEnabled(env) ? createXRayTracing(log) : noTracing;
}

type XRaySdk = typeof XRay;

async function loadSdk(): Promise<XRaySdk> {
  // The SDK is CommonJS with `module.exports = {...}`: Node's ESM loader exposes it as `default`,
  // bundlers as the namespace itself.
  const loaded: XRaySdk & { default?: XRaySdk } = await import('aws-xray-sdk-core');
  return loaded.default ?? loaded;
}

/** X-Ray SDK implementation. Set LAMBDA_TASK_ROOT and AWS_XRAY_DAEMON_ADDRESS before calling it. */
export async function createXRayTracing(log?: TracingLog): Promise<Tracing> {
  const sdk = await loadSdk();
  if (log) {
    sdk.setLogger({
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => log.warn(message),
      error: (message: string) => log.error(message),
    });
  }
  return {
    enabled: true,
    withAnnotations: (name, fn) =>
      sdk.captureAsyncFunc(name, async (subsegment?: Subsegment) => {
        // No subsegment means no segment to hang it on (the SDK has already said so): still serve.
        if (!subsegment) return fn(ignore);
        try {
          return await fn((key, value) => subsegment.addAnnotation(key, value));
        } catch (error) {
          subsegment.addError(error instanceof Error ? error : String(error));
          throw error;
        } finally {
          subsegment.close();
        }
      }),
    captureClient: (client) => sdk.captureAWSv3Client(client),
  };
}

export interface RecordedSpan {
  name: string;
  annotations: Record<string, AnnotationValue>;
  error?: unknown;
  closed: boolean;
}

/** In-memory implementation with the same closing rules, for tests and the local pipeline's logs. */
export function createMemoryTracing(): Tracing & { spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  return {
    enabled: false,
    spans,
    async withAnnotations(name, fn) {
      const span: RecordedSpan = { name, annotations: {}, closed: false };
      spans.push(span);
      try {
        return await fn((key, value) => {
          span.annotations[key] = value;
        });
      } catch (error) {
        span.error = error;
        throw error;
      } finally {
        span.closed = true;
      }
    },
    captureClient: (client) => client,
  };
}
