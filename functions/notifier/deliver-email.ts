/**
 * The page email: SNS Publish to the on-call topic (email subscribers get Subject + body).
 * Subject and body come from part 1's renderer, already inside SNS's limits.
 *
 * Failures: throttling (SNS or the topic's KMS key), 5xx and network errors → RetryableError;
 * anything else (missing topic, no permission, disabled key, invalid parameter) → PermanentError.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { EmailMessage } from '../../templates/email-alert';
import { errorName, isTransientAwsError } from './aws-errors';
import { PermanentError, RetryableError } from './errors';

export async function publishEmail(
  sns: Pick<SNSClient, 'send'>,
  topicArn: string,
  email: EmailMessage,
): Promise<{ messageId: string }> {
  try {
    const out = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Subject: email.subject, Message: email.body }),
    );
    return { messageId: out.MessageId ?? '' };
  } catch (error) {
    const reason = `SNS Publish to the on-call topic failed: ${errorName(error)}`;
    throw isTransientAwsError(error)
      ? new RetryableError(reason, { cause: error })
      : new PermanentError(reason, { cause: error });
  }
}
