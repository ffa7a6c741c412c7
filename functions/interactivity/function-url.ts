/**
 * Lambda function URL events (payload format 2.0, as API Gateway HTTP APIs send them:
 * docs/slack-interactivity.md) → the plain request receive.ts judges. The body is
 * base64-encoded by Lambda for form posts (`isBase64Encoded: true`); we decode it to the exact
 * bytes Slack signed.
 */
import type { Job } from './receive';
import type { HttpRequest } from './receive';

export interface FunctionUrlEvent {
  requestContext: { http: { method: string } };
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface FunctionUrlResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export function fromFunctionUrl(event: FunctionUrlEvent): HttpRequest {
  const body = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    headers: event.headers ?? {},
    rawBody: event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
  };
}

export function isJobEvent(event: unknown): event is { uiaInteractionJob: Job } {
  return typeof event === 'object' && event !== null && 'uiaInteractionJob' in event;
}
