import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnsServer, topicArn, type SnsServer } from '../../local/sns-server';
import { isTransientAwsError } from './aws-errors';
import { publishEmail } from './deliver-email';
import { PermanentError, RetryableError } from './errors';
import { localClientConfig } from '../../local/sdk-client';

const TOPIC = topicArn('uia-oncall');
let sns: SnsServer;
let client: SNSClient;
beforeAll(async () => {
  sns = await startSnsServer({ topics: [TOPIC] });
  client = new SNSClient(localClientConfig(sns.url));
});
afterAll(() => sns?.close());

const email = { subject: '[PAGE] FIRING: Faults - 2 users affected', body: 'Affected: 2 registered users\n' };

describe('publishEmail', () => {
  it('publishes subject and body to the on-call topic', async () => {
    const { messageId } = await publishEmail(client, TOPIC, email);
    const [published] = sns.published(TOPIC);
    expect(published).toMatchObject({ messageId, subject: email.subject, message: email.body });
  });

  it('is retryable when SNS throttles or fails on its side', async () => {
    sns.failNext({ code: 'Throttled', status: 400, message: 'Rate exceeded' });
    await expect(publishEmail(client, TOPIC, email)).rejects.toBeInstanceOf(RetryableError);
    sns.failNext({ code: 'InternalError', status: 500 });
    await expect(publishEmail(client, TOPIC, email)).rejects.toBeInstanceOf(RetryableError);
  });

  it('is permanent for a topic that does not exist or a message SNS refuses', async () => {
    const missing = publishEmail(client, topicArn('nope'), email);
    await expect(missing).rejects.toBeInstanceOf(PermanentError);
    await expect(missing).rejects.toThrow('SNS Publish to the on-call topic failed: NotFoundException');
    await expect(publishEmail(client, TOPIC, { ...email, subject: 'two\nlines' })).rejects.toBeInstanceOf(
      PermanentError,
    );
  });
});

describe('isTransientAwsError', () => {
  it('tells throttling, server faults and network failures from client mistakes', () => {
    const aws = (name: string, status: number, extra: object = {}) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });
    expect(isTransientAwsError(aws('ProvisionedThroughputExceededException', 400))).toBe(true);
    expect(isTransientAwsError(aws('KMSThrottlingException', 400))).toBe(true);
    expect(isTransientAwsError(aws('InternalServerError', 500))).toBe(true);
    expect(isTransientAwsError(aws('Whatever', 400, { $fault: 'server' }))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    expect(isTransientAwsError(aws('AccessDeniedException', 403))).toBe(false);
    expect(isTransientAwsError(aws('ValidationException', 400))).toBe(false);
    expect(isTransientAwsError(new TypeError('bug'))).toBe(false);
  });
});
