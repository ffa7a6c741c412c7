/** Contract: the real @aws-sdk/client-sqs against the local SQS stand-in (the notifier's DLQ). */
import { QueueDoesNotExist, SendMessageCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsServer, type SqsServer } from '../../local/sqs-server';

let server: SqsServer;
let client: SQSClient;

beforeAll(async () => {
  server = await startSqsServer({ queues: ['dlq'] });
  client = new SQSClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

describe('SQS stand-in', () => {
  it('accepts SendMessage with the MD5 the client verifies, and keeps the message', async () => {
    const out = await client.send(
      new SendMessageCommand({
        QueueUrl: server.queueUrl('dlq'),
        MessageBody: '{"reason":"channel_not_found"} ✓',
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'channel_not_found' } },
      }),
    );
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.messages('dlq')).toEqual([
      {
        messageId: out.MessageId,
        body: '{"reason":"channel_not_found"} ✓',
        attributes: { reason: 'channel_not_found' },
      },
    ]);
  });

  it('answers an unknown queue with an error the client raises', async () => {
    const error = await client
      .send(new SendMessageCommand({ QueueUrl: server.queueUrl('nope'), MessageBody: 'x' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SQSServiceException);
    expect((error as SQSServiceException).$metadata.httpStatusCode).toBe(400);
    expect(error instanceof QueueDoesNotExist || (error as Error).name.includes('NonExistentQueue')).toBe(
      true,
    );
  });

  it('surfaces injected faults with their status', async () => {
    server.failNext({ type: 'ServiceUnavailable', status: 503 });
    const error = await client
      .send(new SendMessageCommand({ QueueUrl: server.queueUrl('dlq'), MessageBody: 'x' }))
      .catch((e: unknown) => e);
    expect((error as SQSServiceException).$metadata.httpStatusCode).toBe(503);
  });
});
