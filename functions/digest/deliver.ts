/**
 * Sends a rendered digest: the text version to the digest SNS topic (managers subscribe to it
 * by email), and the HTML version through an {@link HtmlDigestSender} (SES, deliver-ses.ts) only
 * when the rule set names a sender, because SES can only send from a verified identity and SNS
 * email cannot carry HTML. The SES client lives behind that port so the text-only bundle
 * (handler.ts) does not carry it at all.
 *
 * The two channels fail independently: both are attempted, and a failure of either is
 * thrown afterwards so the invocation is an error (and retried) rather than silently half-sent.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { toAsciiLine } from '../../templates/email-alert';
import { EMAIL_SUBJECT_MAX, SNS_MESSAGE_MAX_BYTES, truncate, truncateUtf8 } from '../../templates/limits';
import type { DigestLogger } from './ports';

export interface DigestMessage {
  subject: string;
  text: string;
  html: string;
}

/** Sends the HTML digest (with its text alternative) to the managers, from one verified identity. */
export interface HtmlDigestSender {
  /** The verified identity mail comes from. */
  readonly from: string;
  /** Sends to every recipient (batched as the service requires); resolves to the message ids. */
  send(message: DigestMessage, recipients: readonly string[]): Promise<string[]>;
}

export interface DeliverOptions {
  sns: Pick<SNSClient, 'send'>;
  topicArn: string;
  /** Undefined when the rule set names no sender: only the SNS text digest goes out. */
  html: HtmlDigestSender | undefined;
  recipients: readonly string[];
  logger: DigestLogger;
}

export type EmailOutcome = 'sent' | 'skipped-no-sender' | 'skipped-no-recipients';

export interface DeliveryReport {
  snsMessageId: string | undefined;
  email: EmailOutcome;
  sesMessageIds: string[];
}

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

  if (options.html === undefined) {
    logger.info(
      'HTML digest not sent: no SES sender configured (digest.sender in the rule set); managers get the SNS text digest only',
    );
  } else if (options.recipients.length === 0) {
    report.email = 'skipped-no-recipients';
    logger.info('HTML digest not sent: digest.recipients is empty');
  } else {
    try {
      const subject = snsSafe(message).subject;
      report.sesMessageIds.push(...(await options.html.send({ ...message, subject }, options.recipients)));
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
