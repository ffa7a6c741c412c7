import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { alarmSourceConditions, allowAlarmsToPublish } from './constructs/alarm-topic-access';

const env = { account: '111122223333', region: 'eu-west-1' };
const alarmArn = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:eu-west-1:111122223333:alarm:${name}`]],
});

describe('allowAlarmsToPublish', () => {
  it('grants topic and key to several alarms (names or patterns) with both confused-deputy conditions', () => {
    const stack = new Stack(new App(), 'Access', { env });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Ops', { masterKey: key });
    allowAlarmsToPublish(stack, {
      topic,
      key,
      alarmNames: ['uia--ops--notifier-dead-letters', 'uia--ops--*'],
    });
    const template = Template.fromStack(stack);
    const expected = {
      StringEquals: { 'aws:SourceAccount': '111122223333' },
      ArnLike: { 'aws:SourceArn': [alarmArn('uia--ops--notifier-dead-letters'), alarmArn('uia--ops--*')] },
    };
    const topicStatements = Object.values(template.findResources('AWS::SNS::TopicPolicy')).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
    );
    expect(topicStatements).toEqual([
      expect.objectContaining({
        Action: 'sns:Publish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Condition: expected,
      }),
    ]);
    const keyPolicy = Object.values(template.findResources('AWS::KMS::Key'))[0]!.Properties.KeyPolicy as {
      Statement: Array<{ Principal: unknown; Condition?: unknown }>;
    };
    const cloudwatch = keyPolicy.Statement.filter((s) => JSON.stringify(s.Principal).includes('cloudwatch'));
    expect(cloudwatch.map((s) => s.Condition)).toEqual([expected]);
  });

  it('adds no key statement for a topic without a customer-managed key, and refuses an empty alarm list', () => {
    const stack = new Stack(new App(), 'NoKey', { env });
    const topic = new sns.Topic(stack, 'Plain');
    allowAlarmsToPublish(stack, { topic, key: undefined, alarmNames: ['a'] });
    Template.fromStack(stack).resourceCountIs('AWS::SNS::TopicPolicy', 1);
    expect(() => alarmSourceConditions(stack, [])).toThrow(/at least one alarm/);
  });
});
