/**
 * Backend choice, tracing off and the in-memory implementation. The two real backends are
 * exercised with the real entries in their own processes: test/shop/xray-lambda.test.ts (X-Ray
 * SDK, UDP) and test/shop/otel-lambda.test.ts (OpenTelemetry, OTLP/HTTP).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from './errors';
import { createMemoryTracing, noTracing, tracingBackend, tracingEnabled, tracingFromEnv } from './tracing';

afterEach(() => vi.restoreAllMocks());

describe('tracingEnabled', () => {
  it('is on in Lambda unless switched off, and off everywhere else', () => {
    expect(tracingEnabled({ LAMBDA_TASK_ROOT: '/var/task' })).toBe(true);
    expect(tracingEnabled({ LAMBDA_TASK_ROOT: '/var/task', POWERTOOLS_TRACE_ENABLED: 'FALSE' })).toBe(false);
    expect(tracingEnabled({})).toBe(false);
  });
});

describe('tracingBackend', () => {
  it('is the X-Ray SDK unless TRACING_BACKEND says otel, and rejects anything else at init', async () => {
    expect(tracingBackend({})).toBe('xray');
    expect(tracingBackend({ TRACING_BACKEND: ' ' })).toBe('xray');
    expect(tracingBackend({ TRACING_BACKEND: 'otel' })).toBe('otel');
    expect(() => tracingBackend({ TRACING_BACKEND: 'jaeger' })).toThrow(ConfigError);
    await expect(tracingFromEnv({ LAMBDA_TASK_ROOT: '/var/task', TRACING_BACKEND: 'OTel' })).rejects.toThrow(
      /TRACING_BACKEND: must be one of xray, otel, not "OTel"/,
    );
  });

  it('lists every problem of the OpenTelemetry settings at once', async () => {
    await expect(
      tracingFromEnv({
        LAMBDA_TASK_ROOT: '/var/task',
        TRACING_BACKEND: 'otel',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'udp://x',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: 'soon',
      }),
    ).rejects.toMatchObject({
      problems: [
        'AWS_REGION: needed to sign for and find X-Ray',
        'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: not an http(s) URL: "udp://x"',
        'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: milliseconds > 0, not "soon"',
      ],
    });
  });
});

describe('tracing off', () => {
  it('runs the work, passes results and errors through, prints nothing and never loads the SDK', async () => {
    const printed = [
      vi.spyOn(console, 'error'),
      vi.spyOn(console, 'warn'),
      vi.spyOn(console, 'log'),
      vi.spyOn(process.stderr, 'write'),
    ];
    const tracing = await tracingFromEnv({});
    expect(tracing).toBe(noTracing);
    await expect(
      tracing.withAnnotations('annotations', async (annotate) => {
        annotate('username', 'alice');
        annotate.user('alice');
        return 42;
      }),
    ).resolves.toBe(42);
    const boom = new Error('boom');
    await expect(tracing.withAnnotations('annotations', () => Promise.reject(boom))).rejects.toBe(boom);
    const client = { middlewareStack: { use: () => undefined, remove: () => undefined }, config: {} };
    expect(tracing.captureClient(client)).toBe(client);
    for (const spy of printed) expect(spy).not.toHaveBeenCalled();
    // cls-hooked (loaded by the X-Ray SDK) registers process.namespaces and async hooks.
    expect('namespaces' in process).toBe(false);
  });
});

describe('createMemoryTracing', () => {
  it('keeps the annotations made before a throw, records the error and closes the span', async () => {
    const tracing = createMemoryTracing();
    const failure = new Error('list failed');
    await expect(
      tracing.withAnnotations('annotations', async (annotate) => {
        annotate('operation', 'cart.list');
        annotate('username', 'alice');
        annotate.user('alice');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(tracing.spans).toEqual([
      {
        name: 'annotations',
        annotations: { operation: 'cart.list', username: 'alice' },
        user: 'alice',
        error: failure,
        closed: true,
      },
    ]);
  });
});
