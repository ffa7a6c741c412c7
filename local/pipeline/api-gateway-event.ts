/**
 * A shopper's HTTP request → the API Gateway REST (v1) Lambda proxy event API Gateway would
 * hand the function, and the function's answer → what the client receives.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export interface ApiRequest {
  method: string;
  /** Concrete path, e.g. `/cart/4c1fadaa-…`. */
  path: string;
  /** Route template, e.g. `/cart/{product_id}`. */
  resource: string;
  pathParameters?: Record<string, string>;
  /** As the client sent them (the functions look headers up case-insensitively). */
  headers?: Record<string, string>;
  body?: string;
  sourceIp?: string;
  userAgent?: string;
}

export interface ApiStage {
  apiId: string;
  /** Shown as the stage segment's name: `<name>/<stage>`. */
  name: string;
  stage: string;
  account: string;
  region: string;
}

export function apiUrl(stage: ApiStage, path: string): string {
  return `https://${stage.apiId}.execute-api.${stage.region}.amazonaws.com/${stage.stage}${path}`;
}

export function apiGatewayEvent(
  request: ApiRequest,
  stage: ApiStage,
  requestId: string,
  nowMs: number,
): APIGatewayProxyEvent {
  const sourceIp = request.sourceIp ?? '198.51.100.10';
  const userAgent = request.userAgent ?? 'local-shopper';
  const headers: Record<string, string> = {
    Host: `${stage.apiId}.execute-api.${stage.region}.amazonaws.com`,
    'User-Agent': userAgent,
    'X-Forwarded-For': sourceIp,
    'X-Forwarded-Proto': 'https',
    ...request.headers,
  };
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body: request.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: stage.account,
      apiId: stage.apiId,
      authorizer: null,
      domainName: headers.Host,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${stage.stage}${request.path}`,
      stage: stage.stage,
      requestId,
      requestTimeEpoch: nowMs,
      resourceId: 'local1',
      resourcePath: request.resource,
    },
  };
}

/** What the client gets: the function's result, or API Gateway's 502 when it threw or answered nonsense. */
export function clientResponse(result: unknown): APIGatewayProxyResult {
  if (isProxyResult(result)) return result;
  return {
    statusCode: 502,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: 'Internal server error' }),
  };
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    'statusCode' in value &&
    typeof value.statusCode === 'number' &&
    (!('body' in value) || typeof value.body === 'string')
  );
}
