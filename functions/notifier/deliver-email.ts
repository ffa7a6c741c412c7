/**
 * The page email: SNS Publish to the on-call topic (email subscribers get Subject + body).
 * Subject and body come from the email renderer, already inside SNS's limits.
 *
 * Bounded (EMAIL_SEND): the publish, the SDK's own retries included, is aborted after 10 s,
 * so the claim's lease (delivery-claim.ts) can be short.
 *
 * Failures: throttling (SNS or the topic's KMS key), 5xx and network errors → RetryableError;
 * anything else (missing topic, no permission, disabled key, invalid parameter) → PermanentError.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { EmailMessage } from '../../templates/email-alert';
import { errorName, isTransientAwsError } from './aws-errors';
import type { SendBound } from './delivery-claim';
import { PermanentError, RetryableError } from './errors';

export const EMAIL_SEND: SendBound = { maxMs: 10_000 };

export async function publishEmail(
  sns: Pick<SNSClient, 'send'>,
  topicArn: string,
  email: EmailMessage,
  timeoutMs: number = EMAIL_SEND.maxMs,
): Promise<{ messageId: string }> {
  try {
    const out = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Subject: email.subject, Message: email.body }),
      { abortSignal: AbortSignal.timeout(Math.max(1, timeoutMs)) },
    );
    return { messageId: out.MessageId ?? '' };
  } catch (error) {
    const reason = `SNS Publish to the on-call topic failed: ${errorName(error)}`;
    // Our own time bound is a timeout like any other: retry later.
    const timedOut = errorName(error) === 'AbortError' || errorName(error) === 'TimeoutError';
    throw timedOut || isTransientAwsError(error)
      ? new RetryableError(reason, { cause: error })
      : new PermanentError(reason, { cause: error });
  }
}
