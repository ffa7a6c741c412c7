/**
 * Contract: the real `aws-xray-sdk-core`, in Lambda mode, sends its subsegments to the
 * local daemon, and the trace store ends up with the annotations the code recorded.
 *
 * The SDK reads `LAMBDA_TASK_ROOT`, `_X_AMZN_TRACE_ID` and `AWS_XRAY_DAEMON_ADDRESS`
 * when it loads, so this file sets them first and imports it dynamically; vitest's forks
 * pool gives the file a process of its own, so no other test sees this SDK state.
 */
import { createSocket } from 'node:dgram';
import type XRaySdk from 'aws-xray-sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXRayDaemon, type XRayDaemon } from '../../local/xray-daemon';
import { createTraceStore } from '../../local/trace-store';

const TRACE_ID = '1-6740f0a0-0123456789abcdef01234567';
const FUNCTION_SEGMENT_ID = '53995c3f42cd8ad8';
const store = createTraceStore();
let daemon: XRayDaemon;
let xray: typeof XRaySdk;

beforeAll(async () => {
  daemon = await startXRayDaemon({ store });
  process.env.LAMBDA_TASK_ROOT = '/var/task';
  process.env.AWS_XRAY_DAEMON_ADDRESS = daemon.address;
  process.env._X_AMZN_TRACE_ID = `Root=${TRACE_ID};Parent=${FUNCTION_SEGMENT_ID};Sampled=1`;
  process.env.AWS_XRAY_CONTEXT_MISSING = 'IGNORE_ERROR';
  xray = (await import('aws-xray-sdk-core')).default;
  xray.setLogger({ debug() {}, info() {}, warn() {}, error() {} });
});
afterAll(() => daemon.close());

describe('local X-Ray daemon with the real X-Ray SDK (Lambda mode)', () => {
  it('assembles the streamed annotation subsegment into a trace with matching annotations', async () => {
    const facade = xray.getSegment();
    expect(facade).toBeDefined();
    const annotations = facade!.addNewSubsegment('annotations');
    annotations.addAnnotation('username', 'alice');
    annotations.addAnnotation('generated_cart', false);
    annotations.addAnnotation('items', 3);
    const nested = annotations.addNewSubsegment('dynamodb-write');
    nested.addAnnotation('table', 'carts');
    nested.close();
    annotations.close(new Error('checkout failed'));

    const trace = await store.waitFor(
      TRACE_ID,
      (t) => (t.annotations.username ?? []).length > 0 && 'table' in t.annotations,
    );
    expect(trace.annotations).toEqual({
      username: ['alice'],
      generated_cart: [false],
      items: [3],
      table: ['carts'],
    });
    // Only the SDK's subsegments arrived (no function or API Gateway segment): X-Ray would
    // show the trace as incomplete, with no root to read HasFault or HTTP data from.
    expect(trace).toMatchObject({ partial: true, fault: false, http: {} });

    const [document] = store.get(TRACE_ID)?.documents ?? [];
    expect(JSON.parse(document ?? '{}')).toMatchObject({
      type: 'subsegment',
      name: 'annotations',
      parent_id: FUNCTION_SEGMENT_ID,
      trace_id: TRACE_ID,
      fault: true,
      cause: { exceptions: [expect.objectContaining({ message: 'checkout failed' })] },
      // Streamed separately by the SDK, nested back under its parent like BatchGetTraces does.
      subsegments: [expect.objectContaining({ name: 'dynamodb-write', type: 'subsegment' })],
    });
    expect(daemon.received()).toBe(2);
    expect(daemon.rejected()).toEqual([]);
  });

  it('completes the trace once the segments the Lambda service would emit arrive', async () => {
    const send = (doc: object) => sendDatagram(daemon.port, doc);
    const start = 1_732_000_000;
    await send({
      id: 'a1b2c3d4e5f60718',
      trace_id: TRACE_ID,
      name: 'shop-api/prod',
      origin: 'AWS::ApiGateway::Stage',
      start_time: start,
      end_time: start + 0.25,
      fault: true,
      http: {
        request: { method: 'POST', url: 'https://api.example.com/prod/cart/checkout' },
        response: { status: 502 },
      },
    });
    await send({
      id: FUNCTION_SEGMENT_ID,
      trace_id: TRACE_ID,
      parent_id: 'a1b2c3d4e5f60718',
      name: 'shop-CheckoutFunction',
      origin: 'AWS::Lambda::Function',
      start_time: start + 0.01,
      end_time: start + 0.2,
      fault: true,
    });

    const trace = await store.waitFor(TRACE_ID, (t) => t.http.status === 502 && t.services.length >= 2);
    expect(trace).toMatchObject({
      fault: true,
      partial: false,
      responseTime: 0.25,
      http: { status: 502, method: 'POST' },
      annotations: { username: ['alice'] },
    });
    expect(trace.services.find((s) => s.root)?.type).toBe('AWS::ApiGateway::Stage');
  });

  it('counts malformed datagrams as rejected instead of storing them', async () => {
    await sendDatagram(daemon.port, 'not a segment');
    await expect.poll(() => daemon.rejected().length).toBe(1);
    expect(daemon.rejected()[0]?.reason).toBe('no header line');
  });
});

function sendDatagram(port: number, doc: object | string): Promise<void> {
  const payload = typeof doc === 'string' ? doc : `{"format":"json","version":1}\n${JSON.stringify(doc)}`;
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.send(payload, port, '127.0.0.1', (error) => {
      socket.close();
      if (error) reject(error);
      else resolve();
    });
  });
}
