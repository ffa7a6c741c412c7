/**
 * Contract, end to end through the local X-Ray: segment documents over UDP → daemon →
 * trace store → GetTraceSummaries filtered by the project's real `compileFilter` with a
 * real rule's expression → the SDK's TraceSummary, which `traceFromSummary` (what the
 * notifier uses) reads back into the same trace.
 */
import { createSocket } from 'node:dgram';
import { GetTraceSummariesCommand, InvalidRequestException, XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import { compileFilter, traceFromSummary } from '../../rules/filter';
import { createTraceStore } from '../../local/trace-store';
import { startXRayDaemon, type XRayDaemon } from '../../local/xray-daemon';
import { startXRayServer, type XRayServer } from '../../local/xray-server';
import { localClientConfig } from '../../local/sdk-client';

const T0 = 1_732_000_000;
const store = createTraceStore();
let daemon: XRayDaemon;
let server: XRayServer;
let client: XRayClient;

/** The three documents of one Lambda request: API Gateway root, function segment, annotation subsegment. */
function request(n: number, username: string, status: number) {
  const traceId = `1-${(T0 + n).toString(16)}-${String(n).padStart(24, '0')}`;
  const start = T0 + n;
  const fault = status >= 500;
  return {
    traceId,
    documents: [
      {
        id: `a${String(n).padStart(15, '0')}`,
        trace_id: traceId,
        name: 'shop-api/prod',
        origin: 'AWS::ApiGateway::Stage',
        start_time: start,
        end_time: start + 0.2,
        fault,
        http: { request: { method: 'POST', url: 'https://api.example.com/prod/cart' }, response: { status } },
      },
      {
        id: `f${String(n).padStart(15, '0')}`,
        trace_id: traceId,
        parent_id: `a${String(n).padStart(15, '0')}`,
        name: 'shop-AddToCart',
        origin: 'AWS::Lambda::Function',
        start_time: start + 0.01,
        end_time: start + 0.19,
        fault,
      },
      {
        id: `s${String(n).padStart(15, '0')}`,
        trace_id: traceId,
        parent_id: `f${String(n).padStart(15, '0')}`,
        type: 'subsegment',
        name: 'annotations',
        start_time: start + 0.02,
        end_time: start + 0.18,
        annotations: { username },
        ...(fault ? { fault: true, cause: { exceptions: [{ type: 'Error', message: 'boom' }] } } : {}),
      },
    ],
  };
}

function send(document: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.send(
      `{"format":"json","version":1}\n${JSON.stringify(document)}`,
      daemon.port,
      '127.0.0.1',
      (error) => {
        socket.close();
        if (error) reject(error);
        else resolve();
      },
    );
  });
}

const requests = [
  request(1, 'alice', 502),
  request(2, 'bob', 200),
  request(3, 'anonymous', 502),
  request(4, 'carol', 500),
];

beforeAll(async () => {
  daemon = await startXRayDaemon({ store });
  server = await startXRayServer({ store, compile: compileFilter });
  client = new XRayClient(localClientConfig(server.url));
  for (const { documents } of requests) for (const document of documents) await send(document);
  for (const { traceId } of requests)
    await store.waitFor(traceId, (t) => !t.partial && 'username' in t.annotations);
});
afterAll(async () => {
  client.destroy();
  await server.close();
  await daemon.close();
});

const window = { StartTime: new Date(T0 * 1000), EndTime: new Date((T0 + 60) * 1000) };

describe('local X-Ray end to end with the real filter engine', () => {
  it("selects exactly the traces the registered-user-faults rule's group would", async () => {
    const rule = ruleSet.rules.find((r) => r.id === 'registered-user-faults');
    expect(rule).toBeDefined();
    const out = await client.send(
      new GetTraceSummariesCommand({ ...window, FilterExpression: rule?.group.filterExpression }),
    );
    expect(
      out.TraceSummaries?.map((s) => s.Annotations?.username?.[0]?.AnnotationValue?.StringValue),
    ).toEqual(['carol', 'alice']);
    expect(out.TracesProcessedCount).toBe(4);
  });

  it('returns summaries that traceFromSummary reads back into the stored traces', async () => {
    const out = await client.send(new GetTraceSummariesCommand(window));
    for (const summary of out.TraceSummaries ?? []) {
      const stored = store.get(summary.Id ?? '')?.trace;
      expect(stored).toBeDefined();
      const read = traceFromSummary(summary);
      const { services: _s, edges: _e, rootCauses, ...rest } = stored!;
      expect(read).toMatchObject(rest);
      expect(read.rootCauses).toMatchObject(rootCauses ?? {});
    }
  });

  it("answers a filter the engine cannot parse with InvalidRequestException carrying the engine's message", async () => {
    const expression = 'annotation.username == "alice"';
    const engineMessage = (() => {
      try {
        compileFilter(expression);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('the engine accepted an invalid expression');
    })();
    const error = await client
      .send(new GetTraceSummariesCommand({ ...window, FilterExpression: expression }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect((error as InvalidRequestException).$metadata.httpStatusCode).toBe(400);
    expect((error as InvalidRequestException).message).toBe(`Invalid filter expression: ${engineMessage}`);
  });
});
