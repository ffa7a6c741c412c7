/**
 * The Lambda helper as Middy middleware (`@middy/core`, an optional peer: nothing is imported
 * from it, the middleware object is the shape Middy calls). The handler finds the invocation on
 * `context.userAnnotations`.
 *
 * Middy runs `before`, the handler, then `after` (or `onError`) as separate steps, while the
 * tracing port opens and closes a span around one function. So `before` opens the span with a
 * function that waits, and `after` / `onError` let it finish (recording the error) and wait for
 * the span to be delivered. What differs from the plain wrapper: AWS SDK calls the handler makes
 * are not nested in the annotations span (they run outside its async context) but recorded on
 * their own, as calls made outside any span are. Annotations, username and the fault are the same.
 */
import type { Context } from 'aws-lambda';
import {
  annotateInvocation,
  annotationSetup,
  type Invocation,
  type UserAnnotationsOptions,
} from './user-annotations';

export type UserAnnotatedContext = Context & { userAnnotations: Invocation };

/** The part of Middy's request object this middleware reads and writes. */
export interface MiddyRequest<E = unknown> {
  event: E;
  context: Context;
  response?: unknown;
  error?: unknown;
}

export interface UserAnnotationsMiddleware<E = unknown> {
  before(request: MiddyRequest<E>): Promise<void>;
  after(request: MiddyRequest<E>): Promise<void>;
  onError(request: MiddyRequest<E>): Promise<void>;
}

interface Open {
  finish(error?: unknown): void;
  closed: Promise<unknown>;
}

export function userAnnotations<E = unknown>(
  options: UserAnnotationsOptions<E> = {},
): UserAnnotationsMiddleware<E> {
  const setup = annotationSetup(options);
  // Keyed by context: one invocation at a time per sandbox, but never mix two up.
  const open = new WeakMap<Context, Open>();
  return {
    async before(request) {
      let finish!: (error?: unknown) => void;
      const handlerDone = new Promise<void>((resolve, reject) => {
        finish = (error) => (error === undefined ? resolve() : reject(error));
      });
      let started!: () => void;
      const ready = new Promise<void>((resolve) => (started = resolve));
      const closed = annotateInvocation(setup, request.event, async (invocation) => {
        (request.context as UserAnnotatedContext).userAnnotations = invocation;
        started();
        await handlerDone;
      });
      open.set(request.context, { finish, closed });
      // Identity resolution failed (the span is already closed with it): fail like the wrapper.
      await Promise.race([ready, closed]);
    },
    async after(request) {
      const current = open.get(request.context);
      open.delete(request.context);
      current?.finish();
      await current?.closed;
    },
    async onError(request) {
      const current = open.get(request.context);
      open.delete(request.context);
      if (!current) return;
      current.finish(request.error ?? new Error('handler failed'));
      // The span records the error and rethrows it; Middy rethrows request.error itself.
      await current.closed.catch(() => undefined);
    },
  };
}
