/**
 * Builders shared by the shop tests: API Gateway REST proxy events as API Gateway sends them,
 * a Lambda context, and handler dependencies wired to the local DynamoDB and identity provider.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { CartStore } from '../../functions/cart/cart-store';
import { createCatalog, type Catalog } from '../../functions/cart/catalog';
import type { RouteDeps } from '../../functions/cart/route';
import { loadIdentityConfig } from '../../functions/shared/config';
import { createCognitoVerifier } from '../../functions/shared/identity';
import { createLogger, type LoggerOptions } from '../../functions/shared/logger';
import { noTracing, type Tracing } from '../../functions/shared/tracing';
import type { LocalDynamoDb } from '../../local/dynamodb';
import type { LocalIdentity } from '../../local/identity';
import { apiGatewayEvent, type ApiStage } from '../../local/pipeline/api-gateway-event';

export const STRAWBERRIES = '4c1fadaa-213a-4ea8-aa32-58c217604e3c';
export const PRUNES = 'd2580eff-d105-45a5-9b21-ba61995bc6da';

export interface EventOptions {
  method?: string;
  resource?: string;
  path?: string;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  body?: unknown;
  token?: string;
  cartId?: string;
}

const TEST_STAGE: ApiStage = {
  apiId: 'shopapi',
  name: 'shop-api',
  stage: 'prod',
  account: '123456789012',
  region: 'us-east-1',
};

/** The same proxy event the local pipeline hands the functions (local/pipeline/api-gateway-event.ts). */
export function apiEvent(options: EventOptions = {}): APIGatewayProxyEvent {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.token) headers['Authorization'] = options.token;
  if (options.cartId) headers['Cookie'] = `cartId=${options.cartId}`;
  const path = options.path ?? '/cart';
  const body = options.body;
  return apiGatewayEvent(
    {
      method: options.method ?? 'GET',
      path,
      resource: options.resource ?? path,
      ...(options.pathParameters && { pathParameters: options.pathParameters }),
      headers,
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      sourceIp: '127.0.0.1',
      userAgent: 'vitest',
    },
    TEST_STAGE,
    randomUUID(),
    Date.now(),
  );
}

export function lambdaContext(functionName = 'shop-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 5000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface TestDeps extends RouteDeps {
  catalog: Catalog;
  store: CartStore;
}

export function shopDeps(options: {
  db: LocalDynamoDb;
  idp: LocalIdentity;
  tableName: string;
  tracing?: Tracing;
  now?: () => Date;
  logLevel?: LoggerOptions['logLevel'];
  doc?: CartStore['doc'];
}): TestDeps {
  return {
    tracing: options.tracing ?? noTracing,
    logger: createLogger({ serviceName: 'shop-test', logLevel: options.logLevel ?? 'SILENT' }),
    verifier: createCognitoVerifier(loadIdentityConfig(options.idp.env)),
    http: { allowedOrigin: 'https://shop.example' },
    now: options.now ?? (() => new Date()),
    newCartId: randomUUID,
    catalog: createCatalog(),
    store: { doc: options.doc ?? options.db.doc, tableName: options.tableName },
  };
}

export function bodyOf(response: { body: string }): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

/** The cartId a response set, as a browser would store it. */
export function cookieCartId(response: { headers?: Record<string, unknown> }): string | undefined {
  const setCookie = response.headers?.['Set-Cookie'];
  return typeof setCookie === 'string' ? /^cartId=([^;]+)/.exec(setCookie)?.[1] : undefined;
}

/** Runs `fn` with stderr (where Powertools writes WARN and ERROR) captured and parsed. */
export async function withCapturedStderr<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const result = await fn();
    const lines = chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { result, lines };
  } finally {
    process.stderr.write = original;
  }
}
