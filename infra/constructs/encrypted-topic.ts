/** An SNS topic that refuses plain-HTTP publishers and is encrypted with the given key. */
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag-acknowledge';

export interface EncryptedTopicProps {
  displayName: string;
  key: kms.IKey;
  /** Email addresses to subscribe; each must confirm from the mail AWS sends. */
  emails?: readonly string[];
}

export class EncryptedTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) this.topic.addSubscription(new subs.EmailSubscription(email));
    if ((props.emails ?? []).length > 0) {
      acknowledgeNag(
        this.topic,
        'Serverless',
        'SNSRedrivePolicy',
        'Email subscriptions only: SNS retries mail itself, and a mail it still cannot deliver means a bounced or unconfirmed address that no replay from a queue can fix; pages also go to Slack',
      );
    }
  }
}
