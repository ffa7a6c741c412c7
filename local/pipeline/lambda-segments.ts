/**
 * The segment documents AWS itself emits around a traced Lambda invocation, which the X-Ray SDK
 * in Lambda mode never sends (it only streams subsegments under a facade):
 * - the API Gateway stage segment, the trace's root: the request and response as the client
 *   saw them, and the fault/error/throttle flags X-Ray derives HasFault/HasError from;
 * - the Lambda service segment, root of an asynchronous (EventBridge, Scheduler) invocation;
 * - the `AWS::Lambda::Function` segment, whose id is the `Parent=` of `_X_AMZN_TRACE_ID` and
 *   so the parent of every subsegment the function's SDK sends.
 */
import type { SegmentDocument } from '../segments-to-trace';
import { apiUrl, type ApiRequest, type ApiStage } from './api-gateway-event';

export interface Timing {
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
}

export interface FunctionIdentity {
  name: string;
  arn: string;
  account: string;
}

const seconds = (ms: number) => ms / 1000;

export function functionArn(name: string, region: string, account: string): string {
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

export function apiStageSegment(fields: {
  id: string;
  traceId: string;
  stage: ApiStage;
  request: ApiRequest;
  requestId: string;
  status: number;
  contentLength: number;
  timing: Timing;
}): SegmentDocument {
  const { stage, request, status, timing } = fields;
  return {
    id: fields.id,
    trace_id: fields.traceId,
    name: `${stage.name}/${stage.stage}`,
    origin: 'AWS::ApiGateway::Stage',
    start_time: seconds(timing.startMs),
    end_time: seconds(timing.endMs),
    resource_arn: `arn:aws:apigateway:${stage.region}::/restapis/${stage.apiId}/stages/${stage.stage}`,
    http: {
      request: {
        method: request.method,
        url: apiUrl(stage, request.path),
        user_agent: request.userAgent ?? 'local-shopper',
        client_ip: request.sourceIp ?? '198.51.100.10',
        x_forwarded_for: true,
      },
      response: { status, content_length: fields.contentLength },
    },
    aws: {
      account_id: stage.account,
      api_gateway: {
        account_id: stage.account,
        rest_api_id: stage.apiId,
        stage: stage.stage,
        request_id: fields.requestId,
      },
    },
    annotations: {},
    ...statusFlags(status),
  };
}

export function lambdaServiceSegment(fields: {
  id: string;
  traceId: string;
  fn: FunctionIdentity;
  timing: Timing;
  failed: boolean;
}): SegmentDocument {
  return {
    id: fields.id,
    trace_id: fields.traceId,
    name: fields.fn.name,
    origin: 'AWS::Lambda',
    start_time: seconds(fields.timing.startMs),
    end_time: seconds(fields.timing.endMs),
    resource_arn: fields.fn.arn,
    aws: { account_id: fields.fn.account },
    http: { response: { status: 202 } },
    ...(fields.failed ? { fault: true } : {}),
  };
}

export interface FunctionOutcome {
  /** What the handler threw, if it did. */
  error?: Error;
  /** The HTTP status it answered with, for API invocations. */
  status?: number;
}

export function functionSegment(fields: {
  id: string;
  parentId: string;
  traceId: string;
  fn: FunctionIdentity;
  requestId: string;
  timing: Timing;
  outcome: FunctionOutcome;
}): SegmentDocument {
  const { error, status } = fields.outcome;
  const fault = error !== undefined || (status !== undefined && status >= 500);
  const clientError = error === undefined && status !== undefined && status >= 400 && status < 500;
  return {
    id: fields.id,
    trace_id: fields.traceId,
    parent_id: fields.parentId,
    name: fields.fn.name,
    origin: 'AWS::Lambda::Function',
    start_time: seconds(fields.timing.startMs),
    end_time: seconds(fields.timing.endMs),
    resource_arn: fields.fn.arn,
    aws: { account_id: fields.fn.account, function_arn: fields.fn.arn, request_id: fields.requestId },
    ...(fault ? { fault: true } : {}),
    ...(clientError ? { error: true } : {}),
    ...(error
      ? { cause: { exceptions: [{ message: error.message, type: error.name, remote: false }] } }
      : {}),
  };
}

/** X-Ray's reading of an HTTP status: 5xx fault, 4xx error, 429 also throttle. */
export function statusFlags(status: number): { fault?: true; error?: true; throttle?: true } {
  if (status >= 500) return { fault: true };
  if (status === 429) return { error: true, throttle: true };
  if (status >= 400) return { error: true };
  return {};
}
