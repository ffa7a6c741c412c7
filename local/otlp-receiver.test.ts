/**
 * The local X-Ray OTLP endpoint: what it refuses (and that a refusal stores nothing), how spans
 * become segment documents (the mapping in its header), and that one trace mixes the Lambda
 * service's segment from the UDP daemon with the function's spans from OTLP.
 */
import { createSocket } from 'node:dgram';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver';
import { createSegmentSink } from './segment-sink';
import { createTraceStore, type TraceStore } from './trace-store';
import { startXRayDaemon, type XRayDaemon } from './xray-daemon';

const TRACE = '6740f0a00123456789abcdef01234567';
const XRAY_TRACE = '1-6740f0a0-0123456789abcdef01234567';
const FUNCTION_SEGMENT = '53995c3f42cd8ad8';
const SIGNED = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=local/20261123/us-east-1/xray/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=' +
    'a'.repeat(64),
  'content-type': 'application/json',
};

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const nanos = (seconds: number) => String(BigInt(Math.round(seconds * 1e6)) * 1000n);

function request(spans: unknown[], resource: unknown[] = [str('service.name', 'shop-list-cart')]) {
  return {
    resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 't' }, spans }] }],
  };
}

const annotationsSpan = {
  traceId: TRACE,
  spanId: '1111111111111111',
  parentSpanId: FUNCTION_SEGMENT,
  name: 'annotations',
  kind: 1,
  startTimeUnixNano: nanos(1732309152.1),
  endTimeUnixNano: nanos(1732309152.25),
  attributes: [
    str('operation', 'cart.list'),
    str('username', 'alice'),
    { key: 'generated_cart', value: { boolValue: false } },
    str('enduser.id', 'alice'),
    str('note', 'not searchable'),
    {
      key: 'aws.xray.annotations',
      value: {
        arrayValue: {
          values: [
            { stringValue: 'operation' },
            { stringValue: 'username' },
            { stringValue: 'generated_cart' },
          ],
        },
      },
    },
  ],
  events: [
    {
      name: 'exception',
      timeUnixNano: nanos(1732309152.2),
      attributes: [str('exception.type', 'TypeError'), str('exception.message', 'half-eaten')],
    },
  ],
  status: { code: 2, message: 'half-eaten' },
};

const dynamoSpan = {
  traceId: TRACE,
  spanId: '2222222222222222',
  parentSpanId: '1111111111111111',
  name: 'DynamoDB',
  kind: 3,
  startTimeUnixNano: nanos(1732309152.12),
  endTimeUnixNano: nanos(1732309152.14),
  attributes: [
    str('rpc.system', 'aws-api'),
    str('rpc.service', 'DynamoDB'),
    str('rpc.method', 'Query'),
    { key: 'aws.dynamodb.table_names', value: { arrayValue: { values: [{ stringValue: 'carts' }] } } },
    { key: 'http.response.status_code', value: { intValue: '429' } },
  ],
  status: { code: 2 },
};

let store: TraceStore;
let receiver: OtlpReceiver;
let daemon: XRayDaemon;

beforeEach(async () => {
  store = createTraceStore();
  const sink = createSegmentSink(store);
  [receiver, daemon] = await Promise.all([
    startOtlpReceiver({ store, sink }),
    startXRayDaemon({ store, sink }),
  ]);
});
afterEach(() => Promise.all([receiver.close(), daemon.close()]));

const post = (body: string | Buffer, headers: Record<string, string> = SIGNED) =>
  fetch(receiver.tracesEndpoint, { method: 'POST', headers, body });

describe('what the endpoint refuses, storing nothing', () => {
  it.each([
    ['unsigned', { 'content-type': 'application/json' }, JSON.stringify(request([annotationsSpan])), 403],
    [
      'signed for another service',
      { ...SIGNED, authorization: SIGNED.authorization.replace('/xray/', '/logs/') },
      JSON.stringify(request([annotationsSpan])),
      403,
    ],
    ['protobuf', { ...SIGNED, 'content-type': 'application/x-protobuf' }, 'binary', 415],
    ['not JSON', SIGNED, '{"resourceSpans": [', 400],
    [
      'a span without a trace id',
      SIGNED,
      JSON.stringify(request([{ ...annotationsSpan, traceId: 'xyz' }])),
      400,
    ],
  ])('%s', async (_case, headers, body, status) => {
    const response = await post(body, headers as Record<string, string>);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { message: string }).message).toMatch(/\w/);
    expect(store.size()).toBe(0);
    expect(receiver.rejected()).toHaveLength(1);
  });
});

describe('spans to segment documents', () => {
  it('maps ids, parent, annotations from aws.xray.annotations, metadata, exceptions and fault', async () => {
    const response = await post(gzipSync(JSON.stringify(request([annotationsSpan, dynamoSpan]))), {
      ...SIGNED,
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(200);
    expect(receiver.received()).toBe(2);
    const [document] = store.get(XRAY_TRACE)?.documents ?? [];
    const annotations = JSON.parse(document ?? '{}') as Record<string, unknown>;
    expect(annotations).toEqual({
      id: '1111111111111111',
      trace_id: XRAY_TRACE,
      parent_id: FUNCTION_SEGMENT,
      type: 'subsegment',
      name: 'annotations',
      start_time: 1732309152.1,
      end_time: 1732309152.25,
      fault: true,
      cause: { exceptions: [{ id: '11111111111111' + '00', type: 'TypeError', message: 'half-eaten' }] },
      annotations: { operation: 'cart.list', username: 'alice', generated_cart: false },
      metadata: { default: { 'enduser.id': 'alice', note: 'not searchable' } },
      subsegments: [
        {
          id: '2222222222222222',
          trace_id: XRAY_TRACE,
          parent_id: '1111111111111111',
          type: 'subsegment',
          name: 'DynamoDB',
          namespace: 'aws',
          start_time: 1732309152.12,
          end_time: 1732309152.14,
          http: { response: { status: 429 } },
          aws: { operation: 'Query', table_name: 'carts' },
          error: true,
          throttle: true,
          metadata: { default: expect.objectContaining({ 'rpc.method': 'Query' }) },
        },
      ],
    });
  });

  it('makes a SERVER span a segment named after the service, with enduser.id as its user', async () => {
    const server = { ...annotationsSpan, kind: 2, parentSpanId: '', events: [], status: {} };
    await post(JSON.stringify(request([server])));
    const [document] = store.get(XRAY_TRACE)?.documents ?? [];
    const segment = JSON.parse(document ?? '{}') as Record<string, unknown>;
    expect(segment).toMatchObject({ name: 'shop-list-cart', user: 'alice' });
    expect(segment).not.toHaveProperty('type');
    expect(segment).not.toHaveProperty('parent_id');
    expect(store.get(XRAY_TRACE)?.trace.users).toEqual(['alice']);
  });

  it('joins the function spans to the Lambda segments the daemon received, in one complete trace', async () => {
    const socket = createSocket('udp4');
    const send = (doc: unknown) =>
      new Promise<void>((resolve) =>
        socket.send(`{"format":"json","version":1}\n${JSON.stringify(doc)}`, daemon.port, '127.0.0.1', () =>
          resolve(),
        ),
      );
    await post(JSON.stringify(request([{ ...annotationsSpan, events: [], status: {} }])));
    await send({
      id: FUNCTION_SEGMENT,
      trace_id: XRAY_TRACE,
      parent_id: '0000000000000001',
      name: 'shop-list-cart',
      origin: 'AWS::Lambda::Function',
      start_time: 1732309152.05,
      end_time: 1732309152.3,
    });
    await send({
      id: '0000000000000001',
      trace_id: XRAY_TRACE,
      name: 'shop-api/prod',
      origin: 'AWS::ApiGateway::Stage',
      start_time: 1732309152,
      end_time: 1732309152.31,
      http: { request: { method: 'GET', url: 'https://x/prod/cart' }, response: { status: 200 } },
    });
    socket.close();
    const trace = await store.waitFor(XRAY_TRACE, (t) => !t.partial && t.http.status !== undefined);
    expect(trace).toMatchObject({ partial: false, fault: false, http: { status: 200 } });
    expect(trace.annotations).toEqual({
      operation: ['cart.list'],
      username: ['alice'],
      generated_cart: [false],
    });
  });
});
