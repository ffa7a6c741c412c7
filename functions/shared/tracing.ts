/**
 * The tracing port (declared in ./types/tracing.ts) and the one place a deployment's backend is
 * chosen: `TRACING_BACKEND` = `xray` (the X-Ray SDK, default) or `otel` (OpenTelemetry, OTLP to
 * X-Ray). infra/shop-stack.ts sets it from its `tracing` prop (context `-c tracing=otel`), and
 * `npm start -- --tracing otel` sets it locally.
 *
 * | LAMBDA_TASK_ROOT | POWERTOOLS_TRACE_ENABLED | TRACING_BACKEND  | result                        |
 * |------------------|--------------------------|------------------|-------------------------------|
 * | unset            | any                      | any              | {@link noTracing}             |
 * | set              | `false`                  | any              | {@link noTracing}             |
 * | set              | other                    | unset or `xray`  | X-Ray SDK (./tracing-xray.ts) |
 * | set              | other                    | `otel`           | OpenTelemetry (./tracing-otel)|
 * | set              | other                    | anything else    | ConfigError at init           |
 *
 * Backends load lazily, and only when tracing is on: importing either reads the environment and
 * installs async context tracking for the whole process, so local runs and tests never pay for it.
 * Bundles leave out the backend their deployment does not use (infra/constructs/bundling.ts marks
 * it external); asking such a bundle for it fails init with an error saying so.
 */
import type { Env } from './config';
import { ConfigError } from './errors';
import type { Annotate, AnnotationValue, Tracing, TracingBackend, TracingLog } from './types/tracing';

export type {
  Annotate,
  AnnotationValue,
  AwsV3Client,
  Tracing,
  TracingBackend,
  TracingLog,
} from './types/tracing';

export const TRACING_BACKENDS: readonly TracingBackend[] = ['xray', 'otel'];

/** Annotate that records nothing. */
export const ignoreAnnotations: Annotate = Object.assign(() => undefined, { user: () => undefined });

/** Tracing off: runs the work, records nothing, loads nothing. */
export const noTracing: Tracing = {
  enabled: false,
  withAnnotations: (_name, fn) => fn(ignoreAnnotations),
  captureClient: (client) => client,
};

/** Tracing on in Lambda (or a Lambda emulation), unless switched off the Powertools way. */
export function tracingEnabled(env: Env = process.env): boolean {
  return Boolean(env.LAMBDA_TASK_ROOT) && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
}

/** The backend `TRACING_BACKEND` names; throws a {@link ConfigError} for anything else. */
export function tracingBackend(env: Env = process.env): TracingBackend {
  const value = env.TRACING_BACKEND?.trim() || 'xray';
  if ((TRACING_BACKENDS as readonly string[]).includes(value)) return value as TracingBackend;
  throw new ConfigError([`TRACING_BACKEND: must be one of ${TRACING_BACKENDS.join(', ')}, not "${value}"`]);
}

export async function tracingFromEnv(env: Env = process.env, log?: TracingLog): Promise<Tracing> {
  if (!tracingEnabled(env)) return noTracing;
  const backend = tracingBackend(env);
  try {
    if (backend === 'otel') return (await import('./tracing-otel')).createOtelTracing(env, log);
    return (await import('./tracing-xray')).createXRayTracing(log);
  } catch (error) {
    if (isMissingModule(error)) {
      throw new ConfigError([
        `TRACING_BACKEND: "${backend}" is not in this bundle (it was built for the other backend); redeploy with the stack's tracing prop instead of editing the variable`,
      ]);
    }
    throw error;
  }
}

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

export interface RecordedSpan {
  name: string;
  annotations: Record<string, AnnotationValue>;
  /** Set by `annotate.user`. */
  user?: string;
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
      const annotate: Annotate = Object.assign(
        (key: string, value: AnnotationValue) => {
          span.annotations[key] = value;
        },
        {
          user: (id: string) => {
            span.user = id;
          },
        },
      );
      try {
        return await fn(annotate);
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
