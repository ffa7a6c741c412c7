/**
 * Sends a rendered digest: the text version to the digest SNS topic (managers subscribe to it
 * by email), and the HTML version through SES only when the rule set names a sender, because
 * SES can only send from a verified identity and SNS email cannot carry HTML.
 *
 * The two channels fail independently: both are attempted, and a failure of either is
 * thrown afterwards so the invocation is an error (and retried) rather than silently half-sent.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { toAsciiLine } from '../../templates/email-alert';
import { EMAIL_SUBJECT_MAX, SNS_MESSAGE_MAX_BYTES, truncate, truncateUtf8 } from '../../templates/limits';
import type { DigestLogger } from './ports';

export interface DigestMessage {
  subject: string;
  text: string;
  html: string;
}

export interface DeliverOptions {
  sns: Pick<SNSClient, 'send'>;
  /** Needed only when `sender` is set. */
  ses: Pick<SESv2Client, 'send'> | undefined;
  topicArn: string;
  /** Verified SES identity; without it the HTML version is not sent. */
  sender: string | undefined;
  recipients: readonly string[];
  logger: DigestLogger;
}

export type EmailOutcome = 'sent' | 'skipped-no-sender' | 'skipped-no-recipients';

export interface DeliveryReport {
  snsMessageId: string | undefined;
  email: EmailOutcome;
  sesMessageIds: string[];
}

/** SESv2 SendEmail takes at most 50 recipients per message. */
export const SES_MAX_RECIPIENTS = 50;
const TRUNCATED_MARKER = '\n\n[digest truncated to fit the 256 KB SNS limit]\n';

export class DigestDeliveryError extends Error {
  constructor(readonly failures: readonly { channel: 'sns' | 'ses'; error: unknown }[]) {
    super(`digest delivery failed on ${failures.map((f) => f.channel).join(' and ')}`, {
      cause: failures[0]?.error,
    });
    this.name = 'DigestDeliveryError';
  }
}

/**
 * SNS email rules, enforced here whatever the renderer produced: Subject printable ASCII,
 * under 100 characters, no line breaks; message at most 256 KB of UTF-8.
 */
export function snsSafe(message: Pick<DigestMessage, 'subject' | 'text'>): { subject: string; body: string } {
  return {
    subject: truncate(toAsciiLine(message.subject), EMAIL_SUBJECT_MAX, undefined, '...'),
    body: truncateUtf8(message.text, SNS_MESSAGE_MAX_BYTES, TRUNCATED_MARKER),
  };
}

export async function deliverDigest(
  message: DigestMessage,
  options: DeliverOptions,
): Promise<DeliveryReport> {
  const { logger } = options;
  const failures: { channel: 'sns' | 'ses'; error: unknown }[] = [];
  const report: DeliveryReport = { snsMessageId: undefined, email: 'skipped-no-sender', sesMessageIds: [] };

  try {
    const { subject, body } = snsSafe(message);
    const out = await options.sns.send(
      new PublishCommand({ TopicArn: options.topicArn, Subject: subject, Message: body }),
    );
    report.snsMessageId = out.MessageId;
    logger.info('text digest published to SNS', { topicArn: options.topicArn, messageId: out.MessageId });
  } catch (error) {
    logger.error('text digest not published to SNS', { topicArn: options.topicArn, error });
    failures.push({ channel: 'sns', error });
  }

  if (options.sender === undefined) {
    logger.info(
      'HTML digest not sent: no SES sender configured (digest.sender in the rule set); managers get the SNS text digest only',
    );
  } else if (options.recipients.length === 0) {
    report.email = 'skipped-no-recipients';
    logger.info('HTML digest not sent: digest.recipients is empty');
  } else if (options.ses === undefined) {
    failures.push({ channel: 'ses', error: new Error('a sender is configured but no SES client was given') });
  } else {
    try {
      for (let i = 0; i < options.recipients.length; i += SES_MAX_RECIPIENTS) {
        const out = await options.ses.send(
          new SendEmailCommand({
            FromEmailAddress: options.sender,
            Destination: { ToAddresses: options.recipients.slice(i, i + SES_MAX_RECIPIENTS) },
            Content: {
              Simple: {
                Subject: { Data: snsSafe(message).subject, Charset: 'UTF-8' },
                Body: {
                  Html: { Data: message.html, Charset: 'UTF-8' },
                  Text: { Data: message.text, Charset: 'UTF-8' },
                },
              },
            },
          }),
        );
        if (out.MessageId) report.sesMessageIds.push(out.MessageId);
      }
      report.email = 'sent';
      logger.info('HTML digest sent with SES', {
        recipients: options.recipients.length,
        messages: report.sesMessageIds.length,
      });
    } catch (error) {
      logger.error('HTML digest not sent with SES', { error });
      failures.push({ channel: 'ses', error });
    }
  }

  if (failures.length > 0) throw new DigestDeliveryError(failures);
  return report;
}
