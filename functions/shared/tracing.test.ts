/**
 * Tracing off and the in-memory implementation. The X-Ray implementation is exercised for real
 * (Lambda mode, UDP) in test/shop/xray-lambda.test.ts, in its own process.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTracing, noTracing, tracingEnabled, tracingFromEnv } from './tracing';

afterEach(() => vi.restoreAllMocks());

describe('tracingEnabled', () => {
  it('is on in Lambda unless switched off, and off everywhere else', () => {
    expect(tracingEnabled({ LAMBDA_TASK_ROOT: '/var/task' })).toBe(true);
    expect(tracingEnabled({ LAMBDA_TASK_ROOT: '/var/task', POWERTOOLS_TRACE_ENABLED: 'FALSE' })).toBe(false);
    expect(tracingEnabled({})).toBe(false);
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
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(tracing.spans).toEqual([
      {
        name: 'annotations',
        annotations: { operation: 'cart.list', username: 'alice' },
        error: failure,
        closed: true,
      },
    ]);
  });
});
