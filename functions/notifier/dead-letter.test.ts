import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsServer, type SqsServer } from '../../local/sqs-server';
import { MAX_DLQ_BODY_BYTES, deadLetterRecord, sendToDeadLetter } from './dead-letter';
import { RetryableError } from './errors';
import { localClientConfig } from '../../local/sdk-client';

let sqs: SqsServer;
let client: SQSClient;
beforeAll(async () => {
  sqs = await startSqsServer({ queues: ['dlq'] });
  client = new SQSClient(localClientConfig(sqs.url));
});
afterAll(() => sqs?.close());

const failedAt = new Date('2026-03-02T10:00:00Z');

describe('dead letters', () => {
  it('sends the event and the reason, readable by whoever drains the queue', async () => {
    const event = { id: 'e1', 'detail-type': 'Test Alert', detail: { ruleId: 'nope' } };
    await sendToDeadLetter(
      client,
      sqs.queueUrl('dlq'),
      deadLetterRecord(event, 'unknown rule "nope"', failedAt, 'r1'),
    );
    const [message] = sqs.messages('dlq');
    expect(JSON.parse(message!.body)).toEqual({
      kind: 'notifier-permanent-failure',
      reason: 'unknown rule "nope"',
      failedAt: '2026-03-02T10:00:00.000Z',
      requestId: 'r1',
      event,
      eventTruncated: false,
    });
    expect(message!.attributes).toEqual({
      kind: 'notifier-permanent-failure',
      reason: 'unknown rule "nope"',
    });
  });

  it('keeps a prefix of an event too large for one message', () => {
    const huge = { id: 'e2', detail: { blob: 'x'.repeat(MAX_DLQ_BODY_BYTES) } };
    const record = deadLetterRecord(huge, 'too big', failedAt, undefined);
    expect(record.eventTruncated).toBe(true);
    expect(typeof record.event).toBe('string');
    expect(Buffer.byteLength(JSON.stringify(record), 'utf8')).toBeLessThanOrEqual(MAX_DLQ_BODY_BYTES);
  });

  it('fails retryably when the queue cannot take the message, so the event is not lost', async () => {
    sqs.failNext({ type: 'AWS.SimpleQueueService.ServiceUnavailable', status: 503 });
    await expect(
      sendToDeadLetter(client, sqs.queueUrl('dlq'), deadLetterRecord({}, 'r', failedAt, undefined)),
    ).rejects.toBeInstanceOf(RetryableError);
  });
});
