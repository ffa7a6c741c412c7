/** Contract: the real @aws-sdk/client-lambda `Invoke` against the local Lambda stand-in. */
import {
  InvalidRequestContentException,
  InvokeCommand,
  LambdaClient,
  RequestTooLargeException,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaRunner, type LambdaFunction } from '../../local/lambda-runner';
import { startLambdaServer, type InvocationRecord, type LambdaServer } from '../../local/lambda-server';
import { STAGE } from '../../local/pipeline/services';
import { localClientConfig } from '../../local/sdk-client';

const echo: LambdaFunction<unknown, unknown> = {
  name: 'echo',
  load: async () => async (event) => ({ received: event }),
};
let failures = 0;
const fails: LambdaFunction<unknown, unknown> = {
  name: 'fails',
  load: async () => async () => {
    failures += 1;
    throw Object.assign(new Error('email delivery: InternalError'), { name: 'RetryableError' });
  },
};
const aged: LambdaFunction<unknown, unknown> = { ...fails, name: 'aged' };

let server: LambdaServer;
let client: LambdaClient;
let clock = 1_750_000_000_000;
const records: InvocationRecord[] = [];
const sleeps: number[] = [];

beforeAll(async () => {
  const runner = createLambdaRunner({ emit: () => undefined, stage: STAGE, logs: () => undefined });
  server = await startLambdaServer({
    runner,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    functions: [
      { fn: echo },
      { fn: fails, async: { onFailure: async (record) => void records.push(record) } },
      {
        fn: aged,
        async: { maximumEventAgeMs: 90_000, onFailure: async (record) => void records.push(record) },
      },
    ],
  });
  client = new LambdaClient(localClientConfig(server.url));
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

const json = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));
const payload = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('Lambda Invoke stand-in', () => {
  it('runs a RequestResponse invoke and returns the result, by name or by ARN', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: payload({ id: 'e-1' }) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(json(out.Payload)).toEqual({ received: { id: 'e-1' } });

    const byArn = await client.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
        Qualifier: '$LATEST',
        Payload: payload([1, 2]),
      }),
    );
    expect(json(byArn.Payload)).toEqual({ received: [1, 2] });
  });

  it('answers a thrown handler with 200, X-Amz-Function-Error and the runtime error document', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'fails', InvocationType: 'RequestResponse', Payload: payload({}) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out.Payload)).toMatchObject({
      errorType: 'RetryableError',
      errorMessage: 'email delivery: InternalError',
      trace: expect.arrayContaining([expect.stringContaining('RetryableError')]),
    });
  });

  it('queues an Event invoke (202), retries twice a minute then two apart, then sends the invocation record', async () => {
    failures = 0;
    sleeps.length = 0;
    const event = { id: 'evt-9', 'detail-type': 'Test Alert' };
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'fails', InvocationType: 'Event', Payload: payload(event) }),
    );
    expect(out.StatusCode).toBe(202);
    expect(out.Payload?.length ?? 0).toBe(0);
    await server.idle();
    expect(failures).toBe(3);
    expect(sleeps).toEqual([60_000, 120_000]);
    expect(records.at(-1)).toEqual({
      version: '1.0',
      timestamp: expect.any(String),
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fails:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: expect.objectContaining({ errorType: 'RetryableError' }),
    });
    expect(server.invocations().at(-1)).toMatchObject({ outcome: 'dead-lettered', attempts: 3 });
  });

  it('gives up with EventAgeExceeded when the next retry would be past the maximum event age', async () => {
    failures = 0;
    await client.send(
      new InvokeCommand({ FunctionName: 'aged', InvocationType: 'Event', Payload: payload({}) }),
    );
    await server.idle();
    // First attempt, one retry a minute later; the second retry (two minutes on) is past 90 s.
    expect(failures).toBe(2);
    expect(records.at(-1)?.requestContext).toMatchObject({
      condition: 'EventAgeExceeded',
      approximateInvokeCount: 2,
    });
  });

  it('runs nothing for DryRun', async () => {
    failures = 0;
    const out = await client.send(new InvokeCommand({ FunctionName: 'fails', InvocationType: 'DryRun' }));
    expect(out.StatusCode).toBe(204);
    expect(failures).toBe(0);
  });

  it('raises the errors the client models: unknown function, bad JSON, payload too large', async () => {
    const missing = await client.send(new InvokeCommand({ FunctionName: 'nope' })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as Error).message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    );
    const version = await client
      .send(new InvokeCommand({ FunctionName: 'echo', Qualifier: '7' }))
      .catch((e: unknown) => e);
    expect(version).toBeInstanceOf(ResourceNotFoundException);

    const notJson = await client
      .send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{not json') }))
      .catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(InvalidRequestContentException);

    const big = Buffer.from(JSON.stringify({ blob: 'x'.repeat(1024 * 1024) }));
    const tooLarge = await client
      .send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: big }))
      .catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(RequestTooLargeException);
    expect((tooLarge as RequestTooLargeException).$metadata.httpStatusCode).toBe(413);
    // The same payload fits a synchronous invoke (6 MB).
    const sync = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: big }));
    expect(sync.StatusCode).toBe(200);
  });
});
