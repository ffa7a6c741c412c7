/**
 * What the public Lambda helper guarantees, whatever the tracing backend: a consumer's handler,
 * wrapped or behind Middy, delivers one `annotations` span per invocation with its fixed
 * annotations, the verified `username` (never one from a forged token) and what the handler
 * added, also when the handler throws (the fault and the exception recorded, the error rethrown).
 * Each backend's file sets the environment, starts its receiver and calls {@link helperSpec}.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { LocalIdentity, LocalUser } from '../../local/identity';
import type * as Lambda from '../../package/lambda';
import { lambdaContext } from '../shop/fixtures';
import { newTraceHeader } from '../shop/xray-daemon';

/** The annotations span of a trace as X-Ray would hold it. */
export interface AnnotationsSpan {
  annotations?: Record<string, string | number | boolean>;
  metadata?: Record<string, Record<string, unknown>>;
  fault?: boolean;
  cause?: { exceptions?: { message?: string }[] };
}

export interface Backend {
  idp: LocalIdentity;
  helper: typeof Lambda;
  /** Extra options (the Powertools backend passes its tracer). */
  options?: () => Partial<Lambda.UserAnnotationsOptions<OrderEvent>>;
  /** Extra Middy middlewares to run before the helper (Powertools' captureLambdaHandler). */
  middlewares?: () => middy.MiddlewareObj[];
  /** The annotations span of the invocation traced as `root`. */
  annotationsOf(root: string): Promise<AnnotationsSpan>;
}

export interface OrderEvent {
  headers: Record<string, string>;
  fail?: boolean;
}

const alice: LocalUser = { sub: 'a11ce000-0000-4000-8000-00000000000a', username: 'alice' };

export function helperSpec(name: string, backend: () => Backend): void {
  const invoke = async (
    handler: (event: OrderEvent, context: Context) => Promise<unknown>,
    event: OrderEvent,
  ) => {
    const { root, header } = newTraceHeader();
    process.env._X_AMZN_TRACE_ID = header;
    const outcome = await handler(event, lambdaContext('orders')).catch((error: unknown) => error);
    return { outcome, span: await backend().annotationsOf(root) };
  };

  const wrapped = () => {
    const { helper, options } = backend();
    return helper.withUserAnnotations<OrderEvent, unknown>(
      async (event, _context, { annotate, username }) => {
        annotate('order_id', 'o-1');
        if (event.fail) throw new Error('payment service down');
        return { statusCode: 200, body: username };
      },
      { annotations: () => ({ operation: 'orders.create' }), ...options?.() },
    );
  };

  const withMiddy = () => {
    const { helper, options, middlewares } = backend();
    const handler = middy<OrderEvent, unknown>().use(middlewares?.() ?? []);
    return handler
      .use(
        helper.userAnnotations<OrderEvent>({
          annotations: () => ({ operation: 'orders.create' }),
          ...options?.(),
        }),
      )
      .handler(async (event, context) => {
        const { annotate, username } = (context as Lambda.UserAnnotatedContext).userAnnotations;
        annotate('order_id', 'o-1');
        if (event.fail) throw new Error('payment service down');
        return { statusCode: 200, body: username };
      });
  };

  for (const [style, make] of [
    ['plain wrapper', wrapped],
    ['Middy middleware', withMiddy],
  ] as const) {
    describe(`${name}: ${style}`, () => {
      it('annotates the verified user, the fixed annotations and the handler’s own', async () => {
        const { idp } = backend();
        const run = await invoke(make(), { headers: { Authorization: `Bearer ${idp.idToken(alice)}` } });
        expect(run.outcome).toEqual({ statusCode: 200, body: 'alice' });
        expect(run.span.annotations).toEqual({
          operation: 'orders.create',
          username: 'alice',
          order_id: 'o-1',
        });
        expect(run.span.metadata?.['default']?.['enduser.id']).toBe('alice');
        expect(run.span.fault).toBeFalsy();
      });

      it('keeps every annotation when the handler throws, records the fault and rethrows', async () => {
        const { idp } = backend();
        const run = await invoke(make(), { headers: { Authorization: idp.idToken(alice) }, fail: true });
        expect(run.outcome).toBeInstanceOf(Error);
        expect((run.outcome as Error).message).toBe('payment service down');
        expect(run.span.annotations).toEqual({
          operation: 'orders.create',
          username: 'alice',
          order_id: 'o-1',
        });
        expect(run.span.fault).toBe(true);
        expect(run.span.cause?.exceptions?.[0]?.message).toContain('payment service down');
      });

      it('names nobody from a forged token: anonymous', async () => {
        const { idp } = backend();
        const run = await invoke(make(), { headers: { Authorization: idp.forged.wrongKey(alice) } });
        expect(run.outcome).toEqual({ statusCode: 200, body: 'anonymous' });
        expect(run.span.annotations?.['username']).toBe('anonymous');
        expect(run.span.metadata?.['default']?.['enduser.id']).toBeUndefined();
      });
    });
  }
}
