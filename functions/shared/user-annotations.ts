/**
 * The public Lambda helper (`user-impact-alerting/lambda`): annotate each invocation of any
 * Node.js handler with the verified caller and whatever else the rules filter on, on the tracing
 * port (./types/tracing.ts), so it works with every backend: the X-Ray SDK and OpenTelemetry
 * (`TRACING_BACKEND`), and the Powertools Tracer (./tracing-powertools.ts).
 *
 * Per invocation, in one span (`annotations` unless named otherwise):
 *
 * | step                    | annotation / attribute                       | when                            |
 * |-------------------------|----------------------------------------------|---------------------------------|
 * | fixed annotations       | whatever `annotations(event)` returns         | first, before any I/O           |
 * | verify the bearer token | `username`: the verified name, else `anonymous` (identity.ts: NFC, 128 characters, a verified `anonymous` becomes `anonymous (registered)`) | before the handler |
 * | verified users only     | `enduser.id` (OTel attribute / X-Ray metadata) | with `username`                 |
 * | the handler             | `invocation.annotate(key, value)`             | any time it runs                |
 * | close                   | the exception too, when the handler throws    | in `finally`, always            |
 *
 * Closing in `finally` is the point: a handler that throws still delivers its annotations and its
 * fault, so the X-Ray group that counts a user's faults sees exactly that request. A token that
 * does not verify never yields a name (it is logged with its reason, never the token); a JWKS that
 * cannot be fetched is a fault (DependencyError), not a silent `anonymous`.
 *
 * Three ways to use it, one core ({@link annotateInvocation}): {@link withUserAnnotations} wraps
 * a handler; `userAnnotations()` (./user-annotations-middy.ts) is Middy middleware; beside the
 * Powertools Tracer, pass `tracing: tracingFromPowertools(tracer)`.
 *
 * Configuration is checked when the handler is wrapped, i.e. at init: without a verifier (passed,
 * or Cognito's variables in the environment) the function refuses to start and says what to set.
 */
import type { Context } from 'aws-lambda';
import type { Env } from './config';
import { loadIdentityConfig } from './config';
import { ConfigError } from './errors';
import { bearerToken } from './http';
import {
  createCognitoVerifier,
  resolveIdentity,
  usernameOf,
  type Identity,
  type IdentityLog,
  type TokenVerifier,
} from './identity';
import { tracingFromEnv } from './tracing';
import type { Annotate, AnnotationValue, Tracing } from './types/tracing';

/** The span the annotations live on: rules and filter expressions read them there. */
export const DEFAULT_SPAN_NAME = 'annotations';

/** What a handler gets for the current invocation. */
export interface Invocation {
  /** Adds an annotation to this invocation's span (`username` is already there). */
  annotate: Annotate;
  /** Who called: a verified user, or anonymous with the reason. */
  identity: Identity;
  /** The `username` annotation as recorded. */
  username: string;
}

export interface UserAnnotationsOptions<E = unknown> {
  /**
   * Verifies bearer tokens: `createCognitoVerifier(...)`, `cognitoVerifier(...)` or
   * `createOidcVerifier(...)`. @default a Cognito verifier from the environment (`USER_POOL_ID`,
   * `USER_POOL_CLIENT_ID`, `AWS_REGION`, optional `TOKEN_USE`); without those the wrapper throws.
   */
  verifier?: TokenVerifier;
  /** @default the deployment's backend from `TRACING_BACKEND` (tracingFromEnv) */
  tracing?: Tracing | Promise<Tracing>;
  /** The caller's token in an event. @default the `Authorization` header (`Bearer <jwt>` or the bare JWT) */
  token?: (event: E) => string | undefined;
  /** Annotations known from the event alone, set before the token is verified. */
  annotations?: (event: E) => Readonly<Record<string, AnnotationValue>>;
  /** @default {@link DEFAULT_SPAN_NAME} */
  spanName?: string;
  /** Where a rejected token is reported (reason only). @default one JSON line on stderr */
  logger?: IdentityLog;
  /** @default process.env */
  env?: Env;
}

/** The setup every invocation shares, resolved once (at init). */
export interface AnnotationSetup<E> {
  verifier: TokenVerifier;
  tracing: () => Promise<Tracing>;
  token: (event: E) => string | undefined;
  annotations: ((event: E) => Readonly<Record<string, AnnotationValue>>) | undefined;
  spanName: string;
  logger: IdentityLog;
}

const stderrLog: IdentityLog = {
  warn: (message, ...extra) =>
    process.stderr.write(`${JSON.stringify({ level: 'WARN', message, ...Object.assign({}, ...extra) })}\n`),
};

function headerToken(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null || !('headers' in event)) return undefined;
  const headers = (event as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  return bearerToken({ headers: headers as Record<string, string | undefined> });
}

/**
 * A Cognito verifier from the environment, or a {@link ConfigError} that says what to set.
 * Exported for handlers that build their own wiring.
 */
export function verifierFromEnv(env: Env = process.env): TokenVerifier {
  try {
    return createCognitoVerifier(loadIdentityConfig(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError([
      'no token verifier: pass `verifier` (cognitoVerifier({ userPoolId, clientId }) or createOidcVerifier({ issuer, audience })), or set USER_POOL_ID, USER_POOL_CLIENT_ID and AWS_REGION for a Cognito user pool',
      ...error.problems,
    ]);
  }
}

/** A verifier for a Cognito user pool's ID (default) or access tokens. */
export function cognitoVerifier(options: {
  userPoolId: string;
  clientId: string;
  tokenUse?: 'id' | 'access';
}): TokenVerifier {
  const region = options.userPoolId.split('_')[0] ?? '';
  return verifierFromEnv({
    USER_POOL_ID: options.userPoolId,
    USER_POOL_CLIENT_ID: options.clientId,
    AWS_REGION: region,
    TOKEN_USE: options.tokenUse ?? 'id',
  });
}

/** Resolves the options once; throws a {@link ConfigError} when no verifier can be had. */
export function annotationSetup<E>(options: UserAnnotationsOptions<E> = {}): AnnotationSetup<E> {
  const verifier = options.verifier ?? verifierFromEnv(options.env);
  const logger = options.logger ?? stderrLog;
  // A JWKS that cannot be fetched now is fetched again by the first request that needs it.
  verifier.hydrate().catch((error: unknown) => {
    logger.warn('signing keys not loaded at init', {
      error: error instanceof Error ? error.name : 'unknown',
    });
  });
  let tracing: Promise<Tracing> | undefined;
  return {
    verifier,
    tracing: () =>
      (tracing ??= Promise.resolve(options.tracing ?? tracingFromEnv(options.env ?? process.env))),
    token: options.token ?? headerToken,
    annotations: options.annotations,
    spanName: options.spanName ?? DEFAULT_SPAN_NAME,
    logger,
  };
}

/**
 * One invocation: open the span, set the fixed annotations, verify the caller and annotate
 * `username`, run `fn`, close the span in `finally` (the exception recorded and rethrown).
 */
export async function annotateInvocation<E, T>(
  setup: AnnotationSetup<E>,
  event: E,
  fn: (invocation: Invocation) => Promise<T>,
): Promise<T> {
  const tracing = await setup.tracing();
  return tracing.withAnnotations(setup.spanName, async (annotate) => {
    for (const [key, value] of Object.entries(setup.annotations?.(event) ?? {})) annotate(key, value);
    const identity = await resolveIdentity(setup.token(event), setup.verifier, setup.logger);
    const username = usernameOf(identity);
    annotate('username', username);
    if (identity.kind === 'user') annotate.user(username);
    return fn({ annotate, identity, username });
  });
}

/** A handler that also receives the invocation's {@link Invocation}. */
export type AnnotatedHandler<E, R> = (event: E, context: Context, invocation: Invocation) => Promise<R>;

/**
 * Wraps a handler: every invocation is annotated as {@link annotateInvocation} says. Throws at
 * wrap time (init) when no verifier is configured.
 */
export function withUserAnnotations<E, R>(
  handler: AnnotatedHandler<E, R>,
  options: UserAnnotationsOptions<E> = {},
): (event: E, context: Context) => Promise<R> {
  const setup = annotationSetup(options);
  return (event, context) =>
    annotateInvocation(setup, event, (invocation) => handler(event, context, invocation));
}
