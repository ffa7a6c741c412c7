import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DigestDeliveryError, deliverDigest, snsSafe, type DeliverOptions } from './deliver';
import { createSesHtmlSender } from './deliver-ses';
import { recordingLogger } from './test-support';

const sns = mockClient(SNSClient);
const ses = mockClient(SESv2Client);
const TOPIC = 'arn:aws:sns:eu-west-2:123456789012:digest';
const message = { subject: 'Digest', text: 'text body', html: '<p>html body</p>' };

function options(over: Partial<DeliverOptions> & { sender?: string } = {}) {
  const logger = recordingLogger();
  const { sender, ...rest } = over;
  return {
    logger,
    options: {
      sns: new SNSClient({}),
      topicArn: TOPIC,
      html: sender === undefined ? undefined : createSesHtmlSender(new SESv2Client({}), sender),
      recipients: ['boss@example.com'],
      logger,
      ...rest,
    } satisfies DeliverOptions,
  };
}

beforeEach(() => {
  sns.reset();
  ses.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ses.on(SendEmailCommand).resolves({ MessageId: 'e-1' });
});

describe('snsSafe', () => {
  it('makes any subject printable ASCII, one line, at most 99 characters', () => {
    const { subject } = snsSafe({ subject: `Digest —\nZoë's week ${'x'.repeat(200)} 🚀`, text: '' });
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.length).toBeLessThanOrEqual(99);
    expect(subject.startsWith("Digest - Zoe's week x")).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('cuts a body over 256 KB of UTF-8 and says so', () => {
    const { body } = snsSafe({ subject: 's', text: 'é'.repeat(200_000) });
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(262_144);
    expect(body).toMatch(/\[digest truncated to fit the 256 KB SNS limit\]\n$/);
  });
});

describe('deliverDigest', () => {
  it('publishes the text to the topic and skips HTML without a sender, saying why', async () => {
    const { options: o, logger } = options();
    const report = await deliverDigest(message, o);
    expect(report).toEqual({ snsMessageId: 'm-1', email: 'skipped-no-sender', sesMessageIds: [] });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: 'Digest',
      Message: 'text body',
    });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(logger.lines.some((l) => /^HTML digest not sent: no SES sender configured/.test(l.message))).toBe(
      true,
    );
  });

  it('sends HTML and text through SES from the sender, 50 recipients per message', async () => {
    const recipients = Array.from({ length: 120 }, (_, i) => `m${i}@example.com`);
    const { options: o } = options({ sender: 'digest@example.com', recipients });
    const report = await deliverDigest(message, o);
    const calls = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Destination?.ToAddresses?.length)).toEqual([50, 50, 20]);
    expect(calls.flatMap((c) => c.Destination?.ToAddresses ?? [])).toEqual(recipients);
    expect(calls[0]).toMatchObject({
      FromEmailAddress: 'digest@example.com',
      Content: {
        Simple: {
          Subject: { Data: 'Digest', Charset: 'UTF-8' },
          Body: { Html: { Data: message.html }, Text: { Data: message.text } },
        },
      },
    });
    expect(report).toMatchObject({ email: 'sent', sesMessageIds: ['e-1', 'e-1', 'e-1'] });
  });

  it('skips HTML when a sender is set but nobody is listed', async () => {
    const { options: o, logger } = options({ sender: 'digest@example.com', recipients: [] });
    expect((await deliverDigest(message, o)).email).toBe('skipped-no-recipients');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(logger.lines.map((l) => l.message)).toContain('HTML digest not sent: digest.recipients is empty');
  });

  it('still tries SES when SNS fails, then fails the run naming the channel', async () => {
    sns.on(PublishCommand).rejects(new Error('KMS access denied'));
    const { options: o, logger } = options({ sender: 'digest@example.com' });
    const error = await deliverDigest(message, o).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestDeliveryError);
    expect((error as DigestDeliveryError).failures.map((f) => f.channel)).toEqual(['sns']);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(logger.lines.find((l) => l.level === 'error')?.message).toBe('text digest not published to SNS');
  });

  it('reports an SES failure after the SNS digest went out', async () => {
    ses.on(SendEmailCommand).rejects(new Error('MessageRejected'));
    const { options: o } = options({ sender: 'digest@example.com' });
    await expect(deliverDigest(message, o)).rejects.toThrow('digest delivery failed on ses');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });
});
