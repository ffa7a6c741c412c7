/**
 * Production wiring: configuration from the environment, the tracer, the logger and the verifier,
 * built once per container during init (the entry files call these at module scope). Handlers
 * only ever receive them as arguments. The DynamoDB client lives in cart-runtime.ts so the
 * product functions do not bundle the DynamoDB SDK.
 */
import { randomUUID } from 'node:crypto';
import {
  loadHttpConfig,
  loadIdentityConfig,
  type Env,
  type HttpConfig,
  type IdentityConfig,
} from '../shared/config';
import { ConfigError } from '../shared/errors';
import { createCognitoVerifier } from '../shared/identity';
import { createLogger } from '../shared/logger';
import { tracingFromEnv } from '../shared/tracing';
import { createCatalog, type Catalog } from './catalog';
import type { RouteDeps, ShopHandler } from './route';

export interface RouteConfig {
  identity: IdentityConfig;
  http: HttpConfig;
}

/** Runs every loader so one ConfigError lists all problems, not just the first. */
function loadAll<T extends unknown[]>(...loaders: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const values = loaders.map((load) => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return values as T;
}

/** Route configuration plus whatever a function needs on top, validated together. */
export function loadRouteConfig<T extends object>(env: Env, extra: (env: Env) => T): RouteConfig & T {
  const [identity, http, more] = loadAll(
    () => loadIdentityConfig(env),
    () => loadHttpConfig(env),
    () => extra(env),
  );
  return { identity, http, ...more };
}

export async function routeRuntime(config: RouteConfig, env: Env = process.env): Promise<RouteDeps> {
  const logger = createLogger();
  const tracing = await tracingFromEnv(env, {
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  });
  const verifier = createCognitoVerifier(config.identity);
  // A JWKS that cannot be fetched now is retried by the first request that needs it.
  await verifier.hydrate().catch((error: unknown) => {
    logger.warn('signing keys not loaded at init', {
      error: error instanceof Error ? error.name : 'unknown',
    });
  });
  return { tracing, logger, verifier, http: config.http, now: () => new Date(), newCartId: randomUUID };
}

export async function productRuntime(env: Env = process.env): Promise<RouteDeps & { catalog: Catalog }> {
  const config = loadRouteConfig(env, () => ({}));
  const catalog = createCatalog();
  return { ...(await routeRuntime(config, env)), catalog };
}

/**
 * The Lambda entry point for a handler whose dependencies are still being built. Init errors
 * (bad configuration) surface on every invocation, logged and traced as faults, rather than as an
 * unhandled rejection that kills the runtime before anything is recorded.
 */
export function lambdaHandler(ready: Promise<ShopHandler>): ShopHandler {
  ready.catch(() => undefined);
  return async (event, context) => (await ready)(event, context);
}
