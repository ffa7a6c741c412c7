/**
 * Environment validated once, at the edge (module init), so a misconfigured function fails its
 * cold start with every problem listed instead of failing later on one request.
 *
 * zod/mini rather than classic zod: classic zod alone bundles to ~450 KB minified, mini to ~16 KB
 * (measured by bench/cart.bench.ts), and every function ships this module.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ConfigError } from './errors';

// zod/mini ships without messages; the English locale makes 4xx bodies and config errors readable.
z.config(en());

export type Env = Readonly<Record<string, string | undefined>>;

/** Parses configuration-like input; throws one {@link ConfigError} listing every invalid field. */
export function parseConfig<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  );
}

export function parseEnv<S extends z.ZodMiniType>(schema: S, env: Env = process.env): z.output<S> {
  return parseConfig(schema, env);
}

const nonEmpty = () => z.string().check(z.trim(), z.minLength(1));

/** http is only acceptable for a JWKS served on this machine (the local pipeline's issuer). */
function isHttpsOrLoopback(uri: string): boolean {
  const url = new URL(uri);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

const identityEnvSchema = z
  .object({
    AWS_REGION: z.optional(nonEmpty()),
    USER_POOL_ID: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$/))),
    USER_POOL_CLIENT_ID: nonEmpty(),
    /** Overrides the issuer derived from USER_POOL_ID (local pipeline, other IdPs shaped like Cognito). */
    JWT_ISSUER: z.optional(z.url()),
    /** Overrides `<issuer>/.well-known/jwks.json` so the local pipeline can serve its own keys. */
    JWKS_URI: z.optional(
      z.url().check(z.refine(isHttpsOrLoopback, 'JWKS_URI must be https (http only on loopback)')),
    ),
    /** The sample's frontend sends the ID token; access tokens carry `username` instead of `cognito:username`. */
    TOKEN_USE: z._default(z.enum(['id', 'access']), 'id'),
  })
  .check(
    z.refine((env) => env.JWT_ISSUER !== undefined || (env.USER_POOL_ID !== undefined && !!env.AWS_REGION), {
      message: 'set JWT_ISSUER, or USER_POOL_ID and AWS_REGION',
      path: ['USER_POOL_ID'],
    }),
  );

export interface IdentityConfig {
  issuer: string;
  jwksUri: string;
  clientId: string;
  tokenUse: 'id' | 'access';
}

export function loadIdentityConfig(env: Env = process.env): IdentityConfig {
  const parsed = parseEnv(identityEnvSchema, env);
  const issuer =
    parsed.JWT_ISSUER ?? `https://cognito-idp.${parsed.AWS_REGION}.amazonaws.com/${parsed.USER_POOL_ID}`;
  return {
    issuer,
    jwksUri: parsed.JWKS_URI ?? `${issuer}/.well-known/jwks.json`,
    clientId: parsed.USER_POOL_CLIENT_ID,
    tokenUse: parsed.TOKEN_USE,
  };
}

const httpEnvSchema = z.object({
  /** Without it no CORS headers are sent: same-origin only. Credentials forbid `*`. */
  ALLOWED_ORIGIN: z.optional(z.url()),
});

export interface HttpConfig {
  allowedOrigin: string | undefined;
}

export function loadHttpConfig(env: Env = process.env): HttpConfig {
  return { allowedOrigin: parseEnv(httpEnvSchema, env).ALLOWED_ORIGIN };
}

const cartEnvSchema = z.object({
  TABLE_NAME: z.string().check(z.regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'not a DynamoDB table name')),
});

export interface CartConfig {
  tableName: string;
}

export function loadCartConfig(env: Env = process.env): CartConfig {
  return { tableName: parseEnv(cartEnvSchema, env).TABLE_NAME };
}
