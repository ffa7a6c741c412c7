/**
 * Contract: the real `@aws-sdk/client-sns` against the local SNS stand-in (AWS Query
 * protocol, XML). Successes parse into `MessageId`; refusals arrive as the SDK's own
 * exception classes with the HTTP status SNS uses.
 */
import {
  InternalErrorException,
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  SNSClient,
  SNSServiceException,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, startSnsServer, topicArn, type SnsServer } from '../../local/sns-server';
import { localClientConfig } from '../../local/sdk-client';

const ONCALL = topicArn('uia-oncall');
let sns: SnsServer;
let client: SNSClient;

beforeAll(async () => {
  sns = await startSnsServer({ topics: [ONCALL, topicArn('uia-events.fifo')] });
  client = new SNSClient(localClientConfig(sns.url));
});
afterAll(async () => {
  client.destroy();
  await sns.close();
});

async function rejection(promise: Promise<unknown>): Promise<SNSServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SNSServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('SNS stand-in with the real SNSClient', () => {
  it('publishes and returns the MessageId it stored, with subject and attributes', async () => {
    const out = await client.send(
      new PublishCommand({
        TopicArn: ONCALL,
        Subject: '[PAGE] Faults for registered shoppers: 12 users',
        Message: 'Users: alice, bob & <carol>\n…',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'page' } },
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);

    const [stored] = sns.published(ONCALL);
    expect(stored).toMatchObject({
      messageId: out.MessageId,
      subject: '[PAGE] Faults for registered shoppers: 12 users',
      message: 'Users: alice, bob & <carol>\n…',
      attributes: { severity: { dataType: 'String', value: 'page' } },
    });
    expect(sns.calls().at(-1)?.params).toMatchObject({ Action: 'Publish', Version: '2010-03-31' });
  });

  it('accepts a message of exactly 262,144 bytes and refuses one byte more', async () => {
    // Multi-byte characters: the limit is bytes, not characters.
    const exact = '€'.repeat((MAX_MESSAGE_BYTES - 1) / 3) + 'x';
    expect(Buffer.byteLength(exact)).toBe(MAX_MESSAGE_BYTES);
    await expect(
      client.send(new PublishCommand({ TopicArn: ONCALL, Message: exact })),
    ).resolves.toHaveProperty('MessageId');

    const error = await rejection(
      client.send(new PublishCommand({ TopicArn: ONCALL, Message: `${exact}x` })),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Invalid parameter: Message too long');
  });

  it.each([
    { what: 'a line break', subject: 'two\nlines' },
    { what: 'a non-ASCII character', subject: 'Fehler für Nutzer' },
    { what: '100 characters', subject: 's'.repeat(100) },
    { what: 'nothing', subject: '' },
    { what: 'a leading space', subject: ' Alert' },
  ])('refuses a subject with $what as InvalidParameterException', async ({ subject }) => {
    const error = await rejection(
      client.send(new PublishCommand({ TopicArn: ONCALL, Subject: subject, Message: 'm' })),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe('Invalid parameter: Subject');
  });

  it('accepts a 99-character ASCII subject', async () => {
    const subject = `${'a'.repeat(98)}~`;
    await client.send(new PublishCommand({ TopicArn: ONCALL, Subject: subject, Message: 'm' }));
    expect(sns.published(ONCALL).at(-1)?.subject).toBe(subject);
  });

  it('answers an unknown topic with NotFoundException (404)', async () => {
    const error = await rejection(
      client.send(new PublishCommand({ TopicArn: topicArn('nope'), Message: 'm' })),
    );
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('requires a group id on FIFO topics only', async () => {
    const fifo = topicArn('uia-events.fifo');
    await expect(
      rejection(client.send(new PublishCommand({ TopicArn: fifo, Message: 'm' }))),
    ).resolves.toBeInstanceOf(InvalidParameterException);
    await client.send(new PublishCommand({ TopicArn: fifo, Message: 'm', MessageGroupId: 'g' }));
    expect(sns.published(fifo)).toHaveLength(1);
  });

  it('injects throttling and internal errors as the SDK exception classes, then recovers', async () => {
    sns.failNext({ code: 'Throttled', status: 429, message: 'Rate exceeded' });
    sns.failNext({ code: 'InternalError', status: 500 });
    const before = sns.published(ONCALL).length;

    const throttled = await rejection(client.send(new PublishCommand({ TopicArn: ONCALL, Message: 'm' })));
    expect(throttled).toBeInstanceOf(ThrottledException);
    expect(throttled.$metadata.httpStatusCode).toBe(429);
    expect(throttled.message).toBe('Rate exceeded');
    const internal = await rejection(client.send(new PublishCommand({ TopicArn: ONCALL, Message: 'm' })));
    expect(internal).toBeInstanceOf(InternalErrorException);
    expect(internal.$fault).toBe('server');

    await client.send(new PublishCommand({ TopicArn: ONCALL, Message: 'm' }));
    expect(sns.published(ONCALL)).toHaveLength(before + 1);
  });

  it('lets the SDK retry an injected throttle when retries are on', async () => {
    const retrying = new SNSClient(localClientConfig(sns.url, { maxAttempts: 2 }));
    sns.failNext({ code: 'Throttled', status: 429, message: 'Rate exceeded' });
    const calls = sns.calls().length;
    const out = await retrying.send(new PublishCommand({ TopicArn: ONCALL, Message: 'retried' }));
    expect(out.$metadata.attempts).toBe(2);
    expect(sns.calls().length - calls).toBe(2);
    retrying.destroy();
  });
});
