/**
 * Lets exactly the named CloudWatch alarms publish their notifications to an SNS topic, and use
 * the customer-managed key the topic is encrypted with. Any construct whose alarms notify a topic
 * (the notifier's DLQ alarm, operational alarms) calls this instead of writing the statements.
 *
 * Both statements carry the confused-deputy conditions AWS recommends for service principals:
 * `aws:SourceAccount` (this account) and `aws:SourceArn` (the alarms' ARNs). CloudWatch sends the
 * alarm's ARN as the source of its SNS Publish, and of the KMS calls SNS makes for it; sources in
 * docs/security.md. Without them, any alarm in the account (or, for the key, any CloudWatch
 * feature acting for anyone) could use the topic and key.
 *
 * Alarm *names* rather than the alarms' ARN tokens: the key policy lives inside the key
 * resource, the topic needs the key, and an alarm needs the topic, so referencing the alarm from
 * the key would be a dependency cycle. Names may contain `*` (ArnLike), e.g. `uia--ops--*`.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';

export const CLOUDWATCH_PRINCIPAL = 'cloudwatch.amazonaws.com';

export interface AlarmTopicAccess {
  topic: sns.ITopic;
  /** The topic's customer-managed key; undefined for an unencrypted or SNS-managed-key topic. */
  key: kms.IKey | undefined;
  /** Names (or `*` patterns) of the alarms allowed to publish. At least one. */
  alarmNames: readonly string[];
}

/** The condition block both statements carry: this account, these alarms. */
export function alarmSourceConditions(
  scope: IConstruct,
  alarmNames: readonly string[],
): Record<string, unknown> {
  if (alarmNames.length === 0) throw new Error('allowAlarmsToPublish: name at least one alarm');
  const stack = Stack.of(scope);
  const arns = alarmNames.map((name) =>
    stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
  return {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': arns.length === 1 ? arns[0] : arns },
  };
}

export function allowAlarmsToPublish(scope: IConstruct, access: AlarmTopicAccess): void {
  const principal = new iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL);
  const conditions = alarmSourceConditions(scope, access.alarmNames);
  access.topic.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [principal],
      actions: ['sns:Publish'],
      resources: [access.topic.topicArn],
      conditions,
    }),
  );
  access.key?.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [principal],
      // SNS generates and decrypts the message's data key on CloudWatch's behalf.
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      // In a key policy, `*` is this key.
      resources: ['*'],
      conditions,
    }),
  );
}
