/** Contract: the real @aws-sdk/client-sqs against the local SQS stand-in (the notifier's DLQ and its readers). */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
  type ReceiveMessageCommandInput,
} from '@aws-sdk/client-sqs';
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

describe('SQS stand-in: reading the queue', () => {
  let clock = 1_750_000_000_000;
  let reader: SqsServer;
  let sqs: SQSClient;
  beforeAll(async () => {
    reader = await startSqsServer({ queues: ['dlq'], now: () => clock });
    sqs = new SQSClient({
      endpoint: reader.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    sqs.destroy();
    await reader.close();
  });
  const queueUrl = () => reader.queueUrl('dlq');
  const receive = (extra: Partial<ReceiveMessageCommandInput> = {}) =>
    sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 10, ...extra }));

  it('receives with the body MD5 the client verifies, attributes only when asked, and hides what it returned', async () => {
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl(),
        MessageBody: '{"version":"1.0"} ✓',
        MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'NO_PERMISSIONS' } },
      }),
    );
    const bare = await receive({ VisibilityTimeout: 0 });
    expect(bare.Messages).toHaveLength(1);
    expect(bare.Messages![0]).not.toHaveProperty('Attributes');
    expect(bare.Messages![0]).not.toHaveProperty('MessageAttributes');

    const first = await receive({
      VisibilityTimeout: 60,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    const message = first.Messages![0]!;
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: '{"version":"1.0"} ✓',
      MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'NO_PERMISSIONS' } },
      Attributes: { SentTimestamp: String(clock), ApproximateReceiveCount: '2' },
    });
    expect(message.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    // In flight: invisible until the timeout ends, then visible again.
    expect((await receive()).Messages).toBeUndefined();
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl(), AttributeNames: ['All'] }),
    );
    expect(attributes.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    clock += 61_000;
    const again = await receive({ MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    expect(again.Messages![0]!.Attributes).toEqual({ ApproximateReceiveCount: '3' });

    // Only the latest receipt handle deletes; an older one succeeds and deletes nothing.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl(), ReceiptHandle: message.ReceiptHandle }));
    expect(reader.messages('dlq')).toHaveLength(1);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl(), ReceiptHandle: again.Messages![0]!.ReceiptHandle }),
    );
    expect(reader.messages('dlq')).toEqual([]);
  });

  it('changes visibility of messages in flight, and refuses handles it never issued', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: 'b' }));
    const { Messages = [] } = await receive({ VisibilityTimeout: 600 });
    expect(Messages.map((m) => m.Body)).toEqual(['a', 'b']);
    const released = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl(),
        Entries: [
          { Id: '0', ReceiptHandle: Messages[0]!.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: '1', ReceiptHandle: 'never-issued', VisibilityTimeout: 0 },
        ],
      }),
    );
    expect(released.Successful).toEqual([{ Id: '0' }]);
    expect(released.Failed).toEqual([
      expect.objectContaining({ Id: '1', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect((await receive({ VisibilityTimeout: 600 })).Messages?.map((m) => m.Body)).toEqual(['a']);
    // Visible again (released), so not in flight for its old handle.
    const notInFlight = await sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl(),
          ReceiptHandle: Messages[0]!.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      )
      .catch((e: unknown) => e);
    expect((notInFlight as Error).name).toMatch(/MessageNotInflight/);
    const invalid = await sqs
      .send(new DeleteMessageCommand({ QueueUrl: queueUrl(), ReceiptHandle: 'nope' }))
      .catch((e: unknown) => e);
    expect((invalid as Error).name).toBe('ReceiptHandleIsInvalid');
    const bad = await receive({ MaxNumberOfMessages: 11 }).catch((e: unknown) => e);
    expect((bad as SQSServiceException).$metadata.httpStatusCode).toBe(400);
  });
});
