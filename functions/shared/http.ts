/**
 * API Gateway REST (v1 proxy) request parsing and response building. Everything a caller sends
 * passes through here and zod before a handler step sees it: bad input becomes a 400 with the
 * offending fields listed, never an exception that would read as a fault in traces.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { BadRequestError, type HttpError, type IssueDetail } from './errors';

// zod/mini ships without messages; these become the `issues` of a 400 (config.ts does the same).
z.config(en());

export type Headers = Record<string, string>;

/** Larger bodies are refused before JSON.parse: no cart request comes close. */
const MAX_BODY_BYTES = 16 * 1024;

/** Header lookup ignoring case: REST APIs pass headers as the client spelled them. */
export function getHeader(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

export function getCookie(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const header = getHeader(event, 'cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The sample's frontend sends the raw JWT in `Authorization`; standard clients send `Bearer <jwt>`. */
export function bearerToken(event: Pick<APIGatewayProxyEvent, 'headers'>): string | undefined {
  const value = getHeader(event, 'authorization')?.trim();
  if (!value) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value);
  return (match ? match[1] : value)?.trim() || undefined;
}

export function toIssues(issues: readonly z.core.$ZodIssue[]): IssueDetail[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

export function parseWith<S extends z.ZodMiniType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = z.safeParse(schema, input);
  if (!result.success)
    throw new BadRequestError(`invalid ${what}`, toIssues(result.error.issues), 'invalid_input');
  return result.data;
}

export function parseJsonBody<S extends z.ZodMiniType>(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  schema: S,
): z.output<S> {
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new BadRequestError('request body required', undefined, 'body_required');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new BadRequestError(
      `request body larger than ${MAX_BODY_BYTES} bytes`,
      undefined,
      'body_too_large',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('request body is not valid JSON', undefined, 'invalid_json');
  }
  return parseWith(schema, parsed, 'request body');
}

export function parsePathParameters<S extends z.ZodMiniType>(
  event: Pick<APIGatewayProxyEvent, 'pathParameters'>,
  schema: S,
): z.output<S> {
  return parseWith(schema, event.pathParameters ?? {}, 'path parameters');
}

export function json(statusCode: number, body: unknown, headers: Headers = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: HttpError, headers: Headers = {}): APIGatewayProxyResult {
  const body = {
    error: { code: error.code, message: error.message, ...(error.issues && { issues: error.issues }) },
  };
  return json(error.statusCode, body, headers);
}

/** The cart cookie travels cross-origin with credentials, hence SameSite=None (which requires Secure). */
export function corsHeaders(allowedOrigin: string | undefined): Headers {
  if (!allowedOrigin) return {};
  return {
    'Access-Control-Allow-Origin': allowedOrigin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Headers': 'Content-Type,Authorization',
    'Access-Control-Allow-Methods': 'OPTIONS,POST,GET,PUT',
    Vary: 'Origin',
  };
}

export function cartCookie(cartId: string, maxAgeSeconds: number): string {
  return `cartId=${encodeURIComponent(cartId)}; Max-Age=${maxAgeSeconds}; Path=/; Secure; HttpOnly; SameSite=None`;
}
