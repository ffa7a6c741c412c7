/**
 * The X-Ray SDK's "current segment", kept in an AsyncLocalStorage instead of cls-hooked.
 *
 * Why: cls-hooked installs async hooks with a destroy hook for the whole process, so every
 * promise anywhere pays for context tracking (measured on the cart handler: the untraced
 * handler slows by about a quarter once the SDK is loaded, and a traced request's extra
 * promises pay again). Node 24's AsyncLocalStorage propagates through async context frames,
 * without hooks.
 *
 * How: the SDK is loaded in its own manual mode (AWS_XRAY_MANUAL_MODE set while its context
 * module evaluates, so it never creates the cls-hooked namespace), then the context module's
 * functions, which every SDK file calls through the module object, are replaced by ones that
 * behave as automatic mode does: `session.run(fn)` opens a child context inheriting the current
 * segment, `setSegment` sets it there, and outside any context the process-wide segment (Lambda's
 * facade, set by the SDK's Lambda init) is current; `getSegment` refreshes the facade's trace
 * data per invocation and reports a missing context through the SDK's strategy, as before.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as ContextUtils from 'aws-xray-sdk-core/dist/lib/context_utils.js';

type Entity = NonNullable<ReturnType<typeof ContextUtils.getSegment>>;
interface Store {
  segment?: Entity | undefined;
}
export type ContextModule = typeof ContextUtils & {
  contextMissingStrategy: { contextMissing(message: string): void };
};

/** Loads the context module in manual mode (no cls-hooked namespace, so no async hooks). */
export async function loadContextModule(): Promise<ContextModule> {
  const previous = process.env.AWS_XRAY_MANUAL_MODE;
  process.env.AWS_XRAY_MANUAL_MODE = 'true';
  try {
    const loaded =
      (await import('aws-xray-sdk-core/dist/lib/context_utils.js')) as unknown as ContextModule & {
        default?: ContextModule;
      };
    return loaded.default ?? loaded;
  } finally {
    if (previous === undefined) delete process.env.AWS_XRAY_MANUAL_MODE;
    else process.env.AWS_XRAY_MANUAL_MODE = previous;
  }
}

export function useAsyncLocalStorage(context: ContextModule): void {
  const storage = new AsyncLocalStorage<Store>();
  const processWide: Store = {};
  const current = () => storage.getStore() ?? processWide;
  const session = {
    run<T>(fn: () => T): T {
      return storage.run({ segment: current().segment }, fn);
    },
    runAndReturn<T>(fn: () => T): T {
      return storage.run({ segment: current().segment }, fn);
    },
    bind<F extends (...args: never[]) => unknown>(fn: F): F {
      const store = current();
      return ((...args: Parameters<F>) => storage.run(store, () => fn(...args))) as F;
    },
    createContext: () => ({}),
    enter: () => undefined,
    exit: () => undefined,
    get: (key: string) => (key === 'segment' ? current().segment : undefined),
    set: <T>(key: string, value: T): T => {
      if (key === 'segment') current().segment = value as Entity;
      return value;
    },
  };
  const patch = context as unknown as Record<string, unknown>;
  patch.isAutomaticMode = () => true;
  patch.getNamespace = () => session;
  patch.setSegment = (segment: Entity) => {
    current().segment = segment;
  };
  patch.getSegment = () => {
    const segment = current().segment;
    if (!segment) {
      context.contextMissingStrategy.contextMissing(
        'Failed to get the current sub/segment from the context.',
      );
      return undefined;
    }
    const facade = segment as Entity & { facade?: boolean; resolveLambdaTraceData?(): void };
    if (facade.facade === true && process.env.LAMBDA_TASK_ROOT) facade.resolveLambdaTraceData?.();
    return segment;
  };
  patch.resolveSegment = () => context.getSegment();
}
