/**
 * Contract: the real @aws-sdk/client-sqs against the local SQS stand-in (the notifier's DLQ, its
 * deferral queue and the DLQ's readers), and the event source mapping's Lambda event.
 */
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
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsEventSource } from '../../local/sqs-event-source';
import { startSqsServer, type SqsServer } from '../../local/sqs-server';
import { localClientConfig } from '../../local/sdk-client';

let server: SqsServer;
let client: SQSClient;
let nowMs = Date.parse('2026-03-02T10:00:00Z');

beforeAll(async () => {
  server = await startSqsServer({
    queues: [
      'dlq',
      { name: 'deferred', visibilityTimeoutSeconds: 60, deadLetter: { queue: 'dlq', maxReceiveCount: 2 } },
    ],
    now: () => nowMs,
  });
  client = new SQSClient(localClientConfig(server.url));
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
      expect.objectContaining({
        messageId: out.MessageId,
        body: '{"reason":"channel_not_found"} ✓',
        attributes: { reason: 'channel_not_found' },
        attributeTypes: { reason: 'String' },
      }),
    ]);
  });

  it('holds a delayed message back until its DelaySeconds pass, then hides it while received', async () => {
    const url = server.queueUrl('deferred');
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 120 }));
    const receive = () =>
      client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
        }),
      );
    expect((await receive()).Messages ?? []).toEqual([]);
    nowMs += 120_000;
    const [message] = (await receive()).Messages ?? [];
    expect(message).toMatchObject({ Body: 'later', Attributes: { ApproximateReceiveCount: '1' } });
    expect((await receive()).Messages ?? []).toEqual([]);
    nowMs += 60_000;
    const [again] = (await receive()).Messages ?? [];
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again!.ReceiptHandle! }));
    nowMs += 60_000;
    expect((await receive()).Messages ?? []).toEqual([]);
  });

  it('rejects a delay over 900 seconds, as SQS does', async () => {
    const error = await client
      .send(
        new SendMessageCommand({
          QueueUrl: server.queueUrl('deferred'),
          MessageBody: 'x',
          DelaySeconds: 901,
        }),
      )
      .catch((e: unknown) => e);
    expect((error as SQSServiceException).name).toBe('InvalidParameterValue');
  });

  it('hands Lambda its SQS event, deletes what succeeded, redelivers the failed record, then redrives it', async () => {
    const url = server.queueUrl('deferred');
    const dlqBefore = server.messages('dlq').length;
    for (const body of ['ok', 'bad']) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
        }),
      );
    }
    const events: SQSEvent[] = [];
    const source = createSqsEventSource({
      sqs: server,
      queue: 'deferred',
      invoke: async (event) => {
        events.push(event);
        return {
          batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({
            itemIdentifier: r.messageId,
          })),
        };
      },
    });
    expect(await source.poll()).toBe(2);
    expect(events[0]!.Records[0]).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'ok',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(nowMs),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: String(nowMs),
      },
      messageAttributes: {
        kind: { stringValue: 'test', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:deferred',
      awsRegion: 'us-east-1',
    });
    expect(server.messages('deferred').map((m) => m.body)).toEqual(['bad']);
    nowMs += 60_000;
    expect(await source.poll()).toBe(1);
    nowMs += 60_000;
    // Received twice (maxReceiveCount 2): the next receive moves it to the dead-letter queue.
    expect(await source.poll()).toBe(0);
    expect(server.messages('deferred')).toEqual([]);
    expect(
      server
        .messages('dlq')
        .slice(dlqBefore)
        .map((m) => m.body),
    ).toEqual(['bad']);
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
    sqs = new SQSClient(localClientConfig(reader.url));
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
