/**
 * Contract: the real `@aws-sdk/client-xray` against the local X-Ray API (REST-JSON).
 * Summaries deserialize into the SDK's TraceSummary shape, paging follows NextToken, and
 * invalid filters and throttling arrive as the SDK's exception classes.
 */
import {
  BatchGetTracesCommand,
  GetGroupsCommand,
  GetTraceSummariesCommand,
  InvalidRequestException,
  ThrottledException,
  XRayClient,
  XRayServiceException,
  paginateGetTraceSummaries,
} from '@aws-sdk/client-xray';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Trace } from '../../rules/filter/trace';
import { createTraceStore } from '../../local/trace-store';
import { startXRayServer, type FilterCompiler, type XRayServer } from '../../local/xray-server';
import { localClientConfig } from '../../local/sdk-client';

const T0 = 1_732_000_000;
const store = createTraceStore();
let server: XRayServer;
let client: XRayClient;

/**
 * A stand-in for `rules/filter`'s compiler that knows two forms, which is all these tests
 * need: `annotation.<key> = "<value>"` and `fault`. Anything else is a syntax error.
 */
const compile: FilterCompiler = (expression) => {
  if (expression === 'fault') return (t) => t.fault;
  const match = /^annotation\.(\w+) = "([^"]*)"$/.exec(expression);
  if (!match) throw new Error(`unexpected token at column 1 in "${expression}"`);
  const [, key = '', value] = match;
  return (t) => (t.annotations[key] ?? []).includes(value ?? '');
};

function trace(n: number, over: Partial<Trace> = {}): Trace {
  return {
    id: `1-${(T0 + n).toString(16)}-${String(n).padStart(24, '0')}`,
    startTime: T0 + n,
    duration: 0.5,
    responseTime: 0.4,
    http: { status: 200, url: 'https://api.example.com/prod/cart', method: 'GET' },
    fault: false,
    error: false,
    throttle: false,
    partial: false,
    users: [],
    annotations: { username: [`user-${n}`], items: [n], generated_cart: [n % 2 === 0] },
    services: [{ name: 'shop-api/prod', type: 'AWS::ApiGateway::Stage', root: true }],
    availabilityZones: [],
    instanceIds: [],
    resourceArns: [],
    ...over,
  };
}

beforeAll(async () => {
  server = await startXRayServer({
    store,
    compile,
    pageSize: 3,
    groups: [{ name: 'uia--registered-user-faults', filterExpression: 'fault', insightsEnabled: true }],
  });
  client = new XRayClient(localClientConfig(server.url));
});
afterAll(async () => {
  client.destroy();
  await server.close();
});
beforeEach(() => {
  store.clear();
  server.setPageSize(3);
  server.setLatency(0);
});

async function rejection(promise: Promise<unknown>): Promise<XRayServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof XRayServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const window = { StartTime: new Date(T0 * 1000), EndTime: new Date((T0 + 600) * 1000) };

describe('X-Ray API stand-in with the real XRayClient', () => {
  it('returns summaries in the real TraceSummary shape, newest first', async () => {
    store.put(trace(1));
    store.put(
      trace(2, {
        fault: true,
        users: ['alice'],
        http: {
          status: 502,
          url: 'https://api.example.com/prod/cart',
          method: 'POST',
          clientIp: '203.0.113.9',
        },
        rootCauses: {
          fault: [
            {
              clientImpacting: true,
              services: [
                {
                  name: 'shop-AddToCart',
                  type: 'AWS::Lambda::Function',
                  entityPath: [
                    { name: 'annotations', exceptions: [{ name: 'CartError', message: 'locked' }] },
                  ],
                },
              ],
            },
          ],
          error: [],
          responseTime: [],
        },
      }),
    );

    const out = await client.send(new GetTraceSummariesCommand(window));
    expect(out.TraceSummaries?.map((s) => s.Id)).toEqual([trace(2).id, trace(1).id]);
    const [newest] = out.TraceSummaries ?? [];
    expect(newest).toMatchObject({
      StartTime: new Date((T0 + 2) * 1000),
      Duration: 0.5,
      ResponseTime: 0.4,
      HasFault: true,
      HasError: false,
      HasThrottle: false,
      IsPartial: false,
      Http: { HttpStatus: 502, HttpMethod: 'POST', ClientIp: '203.0.113.9' },
      Users: [{ UserName: 'alice' }],
      Annotations: {
        username: [{ AnnotationValue: { StringValue: 'user-2' } }],
        items: [{ AnnotationValue: { NumberValue: 2 } }],
        generated_cart: [{ AnnotationValue: { BooleanValue: true } }],
      },
      EntryPoint: { Name: 'shop-api/prod', Type: 'AWS::ApiGateway::Stage' },
      FaultRootCauses: [
        {
          ClientImpacting: true,
          Services: [
            {
              Name: 'shop-AddToCart',
              EntityPath: [{ Name: 'annotations', Exceptions: [{ Name: 'CartError', Message: 'locked' }] }],
            },
          ],
        },
      ],
    });
    expect(out).toMatchObject({ TracesProcessedCount: 2, ApproximateTime: new Date((T0 + 2) * 1000) });
    expect(out.NextToken).toBeUndefined();
  });

  it('filters through the injected compiler and pages with NextToken until the last page', async () => {
    for (let n = 1; n <= 10; n++) store.put(trace(n, { fault: n !== 5 }));

    const pages = [];
    for await (const page of paginateGetTraceSummaries(
      { client },
      { ...window, FilterExpression: 'fault' },
    )) {
      pages.push(page);
    }
    expect(pages.map((p) => p.TraceSummaries?.length)).toEqual([3, 3, 3]);
    expect(pages.flatMap((p) => p.TraceSummaries?.map((s) => s.StartTime?.getTime() ?? 0) ?? [])).toEqual(
      [10, 9, 8, 7, 6, 4, 3, 2, 1].map((n) => (T0 + n) * 1000),
    );
    // The page holding the non-matching trace processed one more than it returned.
    expect(pages.map((p) => p.TracesProcessedCount)).toEqual([3, 4, 3]);
    expect(pages.at(-1)?.NextToken).toBeUndefined();
    expect(server.calls('GetTraceSummaries').at(-1)?.input).toMatchObject({
      StartTime: T0,
      FilterExpression: 'fault',
    });
  });

  it('does not repeat or skip traces when newer ones arrive between pages', async () => {
    for (let n = 1; n <= 6; n++) store.put(trace(n));
    const first = await client.send(new GetTraceSummariesCommand(window));
    store.put(trace(100));
    const second = await client.send(new GetTraceSummariesCommand({ ...window, NextToken: first.NextToken }));
    expect([...(first.TraceSummaries ?? []), ...(second.TraceSummaries ?? [])].map((s) => s.Id)).toEqual(
      [6, 5, 4, 3, 2, 1].map((n) => trace(n).id),
    );
  });

  it('selects by start time for TraceId and by activity for Event, on a half-open window', async () => {
    store.put(trace(-10, { duration: 30 })); // started before, still running inside the window
    store.put(trace(0));
    store.put(trace(600)); // starts exactly at EndTime: outside [start, end)

    const byStart = await client.send(new GetTraceSummariesCommand({ ...window, TimeRangeType: 'TraceId' }));
    expect(byStart.TraceSummaries?.map((s) => s.Id)).toEqual([trace(0).id]);
    const byEvent = await client.send(new GetTraceSummariesCommand({ ...window, TimeRangeType: 'Event' }));
    expect(byEvent.TraceSummaries?.map((s) => s.Id)).toEqual([trace(0).id, trace(-10).id]);
  });

  it('answers an invalid filter expression or a foreign NextToken with InvalidRequestException', async () => {
    store.put(trace(1));
    const bad = await rejection(
      client.send(new GetTraceSummariesCommand({ ...window, FilterExpression: 'fault =' })),
    );
    expect(bad).toBeInstanceOf(InvalidRequestException);
    expect(bad.$metadata.httpStatusCode).toBe(400);
    expect(bad.message).toContain('unexpected token at column 1');

    for (let n = 2; n <= 5; n++) store.put(trace(n));
    const { NextToken } = await client.send(new GetTraceSummariesCommand(window));
    expect(NextToken).toBeDefined();
    const foreign = await rejection(
      client.send(new GetTraceSummariesCommand({ ...window, FilterExpression: 'fault', NextToken })),
    );
    expect(foreign).toBeInstanceOf(InvalidRequestException);
  });

  it('reports a filter the local engine cannot decide for a trace as InvalidRequestException, not a 500', async () => {
    store.put(trace(1));
    const undecidable = await startXRayServer({
      store,
      compile: () => (t) => {
        throw new Error(`needs edges, trace ${t.id} has none`);
      },
    });
    const local = new XRayClient(localClientConfig(undecidable.url));
    const error = await rejection(
      local.send(new GetTraceSummariesCommand({ ...window, FilterExpression: 'edge' })),
    );
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect(error.message).toBe(
      `Local X-Ray cannot evaluate the filter on trace ${trace(1).id}: needs edges, trace ${trace(1).id} has none`,
    );
    local.destroy();
    await undecidable.close();
  });

  it('throttles the next N calls with ThrottledException (429), then serves again', async () => {
    server.throttleNext(1, 'GetTraceSummaries');
    const error = await rejection(client.send(new GetTraceSummariesCommand(window)));
    expect(error).toBeInstanceOf(ThrottledException);
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect(error.message).toBe('Rate exceeded');
    await expect(client.send(new GetTraceSummariesCommand(window))).resolves.toHaveProperty(
      'TraceSummaries',
      [],
    );
  });

  it('lets the SDK retry a throttled call on its own when retries are on', async () => {
    const retrying = new XRayClient(localClientConfig(server.url, { maxAttempts: 3 }));
    const before = server.calls('GetTraceSummaries').length;
    server.throttleNext(1);
    const out = await retrying.send(new GetTraceSummariesCommand(window));
    expect(out.$metadata.attempts).toBe(2);
    expect(server.calls('GetTraceSummaries').length - before).toBe(2);
    retrying.destroy();
  });

  it('adds the configured latency to every page', async () => {
    server.setLatency(60);
    const started = performance.now();
    await client.send(new GetTraceSummariesCommand(window));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('serves BatchGetTraces for at most 5 ids, with segment documents', async () => {
    const document = JSON.stringify({ id: 'seg0000000000001', name: 'shop-api/prod', start_time: T0 + 1 });
    store.put(trace(1), [document]);

    const out = await client.send(new BatchGetTracesCommand({ TraceIds: [trace(1).id, trace(2).id] }));
    expect(out.Traces).toEqual([
      {
        Id: trace(1).id,
        Duration: 0.5,
        LimitExceeded: false,
        Segments: [{ Id: 'seg0000000000001', Document: document }],
      },
    ]);
    expect(out.UnprocessedTraceIds).toEqual([trace(2).id]);

    const tooMany = await rejection(
      client.send(new BatchGetTracesCommand({ TraceIds: [1, 2, 3, 4, 5, 6].map((n) => trace(n).id) })),
    );
    expect(tooMany).toBeInstanceOf(InvalidRequestException);
  });

  it('lists the Default group and the configured groups', async () => {
    const out = await client.send(new GetGroupsCommand({}));
    expect(out.Groups?.map((g) => g.GroupName)).toEqual(['Default', 'uia--registered-user-faults']);
    expect(out.Groups?.[1]).toMatchObject({
      FilterExpression: 'fault',
      GroupARN: expect.stringMatching(
        /^arn:aws:xray:us-east-1:000000000000:group\/uia--registered-user-faults\/\w+$/,
      ),
      InsightsConfiguration: { InsightsEnabled: true, NotificationsEnabled: false },
    });
  });
});
