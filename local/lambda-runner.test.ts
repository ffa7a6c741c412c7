import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLambdaRunner, type ApiFunction, type LambdaFunction } from './lambda-runner';
import { STAGE } from './pipeline/services';
import { segmentsToTrace, type SegmentDocument } from './segments-to-trace';

const T0 = Date.parse('2026-11-22T21:00:00Z');

function setup(options: { logs?: (fn: string, stream: string, text: string) => void } = {}) {
  const emitted: SegmentDocument[] = [];
  let now = T0;
  const runner = createLambdaRunner({
    emit: (doc) => emitted.push(doc),
    stage: STAGE,
    now: () => now,
    ...options,
  });
  return { runner, emitted, advance: (ms: number) => (now += ms) };
}

function api(
  name: string,
  body: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>,
  env: Record<string, string> = {},
): ApiFunction {
  return { name, load: async () => body, env, timeoutSeconds: 5 };
}

const request = { method: 'GET', path: '/cart', resource: '/cart', headers: { cookie: 'cartId=abc' } };

describe('lambda runner: API invocations', () => {
  it('sets the trace header and the function env for the call only, and emits the API root + function segment', async () => {
    const { runner, emitted, advance } = setup();
    const seen: Record<string, string | undefined> = {};
    const fn = api(
      'shop-list-cart',
      async (event, context) => {
        seen.trace = process.env._X_AMZN_TRACE_ID;
        seen.name = process.env.AWS_LAMBDA_FUNCTION_NAME;
        seen.table = process.env.TABLE_NAME;
        seen.cookie = event.headers.cookie;
        seen.remaining = String(context.getRemainingTimeInMillis());
        advance(120);
        return { statusCode: 200, body: '{"products":[]}' };
      },
      { TABLE_NAME: 'carts' },
    );
    const before = process.env.TABLE_NAME;
    const run = await runner.invokeApi(fn, request);

    expect(run.response.statusCode).toBe(200);
    expect(process.env.TABLE_NAME).toBe(before);
    expect(process.env._X_AMZN_TRACE_ID).toBeUndefined();
    expect(seen).toMatchObject({
      name: 'shop-list-cart',
      table: 'carts',
      cookie: 'cartId=abc',
      remaining: '5000',
    });
    expect(run.traceId).toMatch(new RegExp(`^1-${Math.floor(T0 / 1000).toString(16)}-[0-9a-f]{24}$`));

    const root = emitted.find((d) => d.parent_id === undefined);
    const fnSegment = emitted.find((d) => d.origin === 'AWS::Lambda::Function');
    expect(emitted).toHaveLength(2);
    expect(seen.trace).toBe(`Root=${run.traceId};Parent=${fnSegment?.id};Sampled=1`);
    expect(root).toMatchObject({
      trace_id: run.traceId,
      origin: 'AWS::ApiGateway::Stage',
      name: 'shop-api/prod',
      http: { request: { method: 'GET' }, response: { status: 200 } },
      start_time: T0 / 1000,
      end_time: (T0 + 120) / 1000,
    });
    expect(root?.fault).toBeUndefined();
    expect(fnSegment).toMatchObject({ parent_id: root?.id, trace_id: run.traceId, name: 'shop-list-cart' });
    expect(fnSegment?.fault).toBeUndefined();
    const trace = segmentsToTrace(emitted);
    expect(trace).toMatchObject({ partial: false, fault: false, responseTime: 0.12, http: { status: 200 } });
  });

  it('runs an unsampled request with Sampled=0 and sends no segment (X-Ray decided not to trace it)', async () => {
    const { runner, emitted } = setup();
    let header: string | undefined;
    const fn = api('shop-list-cart', async () => {
      header = process.env._X_AMZN_TRACE_ID;
      return { statusCode: 502, body: '{}' };
    });
    const run = await runner.invokeApi(fn, request, { sampled: false });
    expect(run.response.statusCode).toBe(502);
    expect(header).toMatch(/;Sampled=0$/);
    expect(emitted).toEqual([]);
  });

  it('flags fault on both segments when the function answers 5xx', async () => {
    const { runner, emitted } = setup();
    const run = await runner.invokeApi(
      api('shop-add-to-cart', async () => ({ statusCode: 503, body: '{}' })),
      request,
    );
    expect(run.response.statusCode).toBe(503);
    expect(emitted.every((d) => d.fault === true)).toBe(true);
    expect(segmentsToTrace(emitted)).toMatchObject({ fault: true, error: false, http: { status: 503 } });
  });

  it('turns a thrown error into the 502 API Gateway sends, with the exception on the function segment', async () => {
    const { runner, emitted } = setup();
    const failure = Object.assign(new Error('DynamoDB UpdateItem failed'), { name: 'DependencyError' });
    const run = await runner.invokeApi(
      api('shop-add-to-cart', async () => {
        throw failure;
      }),
      request,
    );
    expect(run.error).toBe(failure);
    expect(run.response).toMatchObject({ statusCode: 502, body: '{"message":"Internal server error"}' });
    const fnSegment = emitted.find((d) => d.origin === 'AWS::Lambda::Function');
    expect(fnSegment).toMatchObject({
      fault: true,
      cause: { exceptions: [{ type: 'DependencyError', message: 'DynamoDB UpdateItem failed' }] },
    });
    expect(emitted.find((d) => d.parent_id === undefined)).toMatchObject({
      fault: true,
      http: { response: { status: 502 } },
    });
  });

  it('marks 4xx as error and 429 as throttle, not fault', async () => {
    const { runner, emitted } = setup();
    await runner.invokeApi(
      api('a', async () => ({ statusCode: 404, body: '' })),
      request,
    );
    await runner.invokeApi(
      api('b', async () => ({ statusCode: 429, body: '' })),
      request,
    );
    const roots = emitted.filter((d) => d.parent_id === undefined);
    expect(roots.map((d) => [d.error, d.throttle, d.fault])).toEqual([
      [true, undefined, undefined],
      [true, true, undefined],
    ]);
  });
});

describe('lambda runner: one sandbox', () => {
  it('never overlaps two invocations, even when called at once', async () => {
    const { runner } = setup();
    const log: string[] = [];
    const slow = api('slow', async () => {
      log.push('slow start');
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push('slow end');
      return { statusCode: 200, body: '' };
    });
    const quick = api('quick', async () => {
      log.push('quick');
      return { statusCode: 200, body: '' };
    });
    await Promise.all([runner.invokeApi(slow, request), runner.invokeApi(quick, request)]);
    expect(log).toEqual(['slow start', 'slow end', 'quick']);
    expect(runner.invocations()).toBe(2);
  });

  it('loads each function once, on warm-up, inside its environment', async () => {
    const { runner } = setup();
    let loads = 0;
    let envAtLoad: string | undefined;
    const fn: ApiFunction = {
      name: 'shop-get-product',
      env: { POWERTOOLS_SERVICE_NAME: 'shop-local-test' },
      load: async () => {
        loads += 1;
        envAtLoad = process.env.POWERTOOLS_SERVICE_NAME;
        return async () => ({ statusCode: 200, body: '' });
      },
    };
    await runner.warm(fn);
    await runner.invokeApi(fn, request);
    await runner.invokeApi(fn, request);
    expect(loads).toBe(1);
    expect(envAtLoad).toBe('shop-local-test');
  });

  it("sends the function's stdout/stderr to the log sink instead of the terminal", async () => {
    const lines: string[] = [];
    const { runner } = setup({ logs: (fn, stream, text) => lines.push(`${fn} ${stream} ${text.trim()}`) });
    await runner.invokeApi(
      api('noisy', async () => {
        process.stdout.write('{"level":"INFO"}\n');
        process.stderr.write('boom\n');
        return { statusCode: 200, body: '' };
      }),
      request,
    );
    expect(lines).toEqual(['noisy stdout {"level":"INFO"}', 'noisy stderr boom']);
  });
});

describe('lambda runner: asynchronous invocations', () => {
  const notifier = (body: () => Promise<unknown>): LambdaFunction<unknown, unknown> => ({
    name: 'uia-notifier',
    load: async () => body,
  });

  it('roots the trace in the Lambda service segment and resolves with the result', async () => {
    const { runner, emitted } = setup();
    const run = await runner.invokeAsync(
      notifier(async () => 'paged'),
      { id: 'event-1' },
    );
    expect(run.result).toBe('paged');
    const root = emitted.find((d) => d.parent_id === undefined);
    expect(root).toMatchObject({ origin: 'AWS::Lambda', name: 'uia-notifier' });
    expect(emitted.find((d) => d.origin === 'AWS::Lambda::Function')?.parent_id).toBe(root?.id);
  });

  it('rejects with what the handler threw, so the event bus can retry it', async () => {
    const { runner, emitted } = setup();
    await expect(
      runner.invokeAsync(
        notifier(async () => {
          throw new Error('Slack is down');
        }),
        {},
      ),
    ).rejects.toThrow('Slack is down');
    expect(emitted.find((d) => d.origin === 'AWS::Lambda::Function')).toMatchObject({ fault: true });
  });
});
