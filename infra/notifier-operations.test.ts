import { App, Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleSet } from '../rules';
import { alarmEventPattern } from '../rules/names';
import { buildApp } from './app';
import { NOTIFIER_TIMEOUT, ASYNC_RETRY_ATTEMPTS } from './constructs/notifier';
import { eventAgeThreshold, LAMBDA_RETRY_WAITS, OPS_ALARM_KINDS } from './constructs/notifier-operations';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const synth = (context: Record<string, unknown> = {}) =>
  buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } })).alerting;

const idOf = (template: Template, type: string, prefix: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

describe('the notifier’s ops alarms', () => {
  let template: Template;
  let ops: string;
  let fn: string;
  beforeAll(() => {
    template = Template.fromStack(synth({ opsEmails: 'ops@example.com, sre@example.com' }));
    ops = idOf(template, 'AWS::SNS::Topic', 'NotifierOperationsTopic');
    fn = idOf(template, 'AWS::Lambda::Function', 'NotifierFunction');
  });

  const onFunction = () => [{ Name: 'FunctionName', Value: { Ref: fn } }];
  const toOps = (okToo: boolean) => ({
    AlarmActions: [{ Ref: ops }],
    ...(okToo ? { OKActions: [{ Ref: ops }] } : { OKActions: Match.absent() }),
    TreatMissingData: 'notBreaching',
    ComparisonOperator: 'GreaterThanThreshold',
  });

  it('alarm on errors in 2 of 5 minutes, and say so when they clear', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'uia--ops--notifier-errors',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: onFunction(),
      Statistic: 'Sum',
      Period: 60,
      Threshold: 0,
      DatapointsToAlarm: 2,
      EvaluationPeriods: 5,
      ...toOps(true),
    });
  });

  it('alarm on throttles in 2 of 10 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'uia--ops--notifier-throttles',
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: onFunction(),
      Statistic: 'Sum',
      Period: 60,
      Threshold: 0,
      DatapointsToAlarm: 2,
      EvaluationPeriods: 10,
      ...toOps(true),
    });
  });

  it('alarm when an event waited longer than all of Lambda’s retries explain (6 minutes)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'uia--ops--notifier-event-age',
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventAge',
      Dimensions: onFunction(),
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 360_000,
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      ...toOps(true),
    });
  });

  it('alarm on any dropped async event, once', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'uia--ops--notifier-events-dropped',
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventsDropped',
      Dimensions: onFunction(),
      Statistic: 'Sum',
      Period: 60,
      Threshold: 0,
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      ...toOps(false),
    });
  });

  it('alarm on each new dead letter (messages sent to the DLQ), never on its depth', () => {
    const dlq = idOf(template, 'AWS::SQS::Queue', 'NotifierDeadLetters');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'uia--ops--notifier-dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'NumberOfMessagesSent',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      ...toOps(false),
    });
    // Depth stays above zero after the first message, so an alarm on it notifies only once.
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources);
    expect(alarms.filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')).toEqual(
      [],
    );
  });

  it('alarm when an event could not even be dead-lettered, by Lambda or by any of the three rules', () => {
    const rules = Object.keys(template.findResources('AWS::Events::Rule')).filter((id) =>
      id.startsWith('NotifierRule'),
    );
    expect(rules).toHaveLength(3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'uia--ops--notifier-dead-letters-lost',
      Threshold: 0,
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      ...toOps(false),
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'SUM([lambda, rulealarms, ruleinsights, ruletestalerts])',
          ReturnData: true,
        }),
        Match.objectLike({
          Id: 'lambda',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'DestinationDeliveryFailures',
              Dimensions: onFunction(),
            },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: false,
        }),
        ...rules.map((rule) =>
          Match.objectLike({
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Events',
                MetricName: 'InvocationsFailedToBeSentToDlq',
                Dimensions: [{ Name: 'RuleName', Value: { Ref: rule } }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          }),
        ),
      ]),
    });
  });

  it('are these six, each with a description that says what to do, and all go to the ops topic only', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources).filter((a) =>
      String(a.Properties.AlarmName).startsWith('uia--ops--notifier-'),
    );
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual(
      [
        'uia--ops--notifier-dead-letters',
        'uia--ops--notifier-dead-letters-lost',
        'uia--ops--notifier-errors',
        'uia--ops--notifier-event-age',
        'uia--ops--notifier-events-dropped',
        'uia--ops--notifier-throttles',
      ].sort(),
    );
    for (const a of alarms) {
      expect(String(a.Properties.AlarmDescription).length).toBeGreaterThan(80);
      expect(a.Properties.AlarmActions).toEqual([{ Ref: ops }]);
    }
  });

  it('never reach the notifier they guard: their names are not in its alarm pattern', () => {
    const watched = (alarmEventPattern(ruleSet, '123456789012').detail as { alarmName: string[] }).alarmName;
    expect(watched.filter((n) => n.startsWith('uia--ops--notifier-'))).toEqual([]);
  });
});

describe('the ops topic', () => {
  it('is a third topic, encrypted with the topic key, SSL-only, with the -c opsEmails subscriptions', () => {
    const template = Template.fromStack(synth({ opsEmails: 'ops@example.com, sre@example.com' }));
    const ops = idOf(template, 'AWS::SNS::Topic', 'NotifierOperationsTopic');
    const onCall = idOf(template, 'AWS::SNS::Topic', 'OnCallTopic');
    expect(ops).not.toBe(onCall);
    const key = idOf(template, 'AWS::KMS::Key', 'TopicKey');
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'User-impact alerting: notifier operations',
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription') as Resources).filter(
      (s) => JSON.stringify(s.Properties.TopicArn) === JSON.stringify({ Ref: ops }),
    );
    expect(subscriptions.map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([
      ['email', 'ops@example.com'],
      ['email', 'sre@example.com'],
    ]);
  });

  it('lets CloudWatch publish only these alarms of this account, and use the key for them only', () => {
    const template = Template.fromStack(synth());
    const ops = idOf(template, 'AWS::SNS::Topic', 'NotifierOperationsTopic');
    const alarmArn = (kind: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          `:cloudwatch:us-east-1:123456789012:alarm:uia--ops--notifier-${kind}`,
        ],
      ],
    });
    const condition = {
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': OPS_ALARM_KINDS.map(alarmArn) },
    };
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ops }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: { Ref: ops },
            Condition: condition,
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: '*',
            Condition: condition,
          },
        ]),
      },
    });
  });

  it('warns at synth when nobody is subscribed, and not when someone is', () => {
    const warning = Match.stringLikeRegexp('ops topic has no subscribers');
    Annotations.fromStack(synth()).hasWarning('/UiaAlerting/Default/NotifierOperations', warning);
    Annotations.fromStack(synth({ opsEmails: 'ops@example.com' })).hasNoWarning('*', warning);
  });

  it('is an output, with the DLQ URL and the function name that npm run dlq reads', () => {
    const template = Template.fromStack(synth());
    template.hasOutput('NotifierDeadLetterQueueUrl', {
      Value: { Ref: idOf(template, 'AWS::SQS::Queue', 'NotifierDeadLetters') },
    });
    template.hasOutput('NotifierFunctionName', {
      Value: { Ref: idOf(template, 'AWS::Lambda::Function', 'NotifierFunction') },
    });
    template.hasOutput('OpsTopicArn', {
      Value: { Ref: idOf(template, 'AWS::SNS::Topic', 'NotifierOperationsTopic') },
    });
  });
});

describe('the event-age threshold', () => {
  it('is the longest wait Lambda’s own retries explain, plus a minute', () => {
    // Two retries of a one-minute function: 60 + 60 (waits 1 min) + 60 + 120 (wait 2 min)… the
    // last attempt starts at most 2 × 60 s + 1 min + 2 min = 5 min after queueing.
    expect(eventAgeThreshold(Duration.minutes(1), 2).toSeconds()).toBe(360);
    expect(eventAgeThreshold(Duration.seconds(30), 1).toSeconds()).toBe(30 + 60 + 60);
    expect(LAMBDA_RETRY_WAITS.map((d) => d.toSeconds())).toEqual([60, 120]);
  });

  it('follows the notifier’s configured timeout and retries, so changing them moves the alarm', () => {
    const healthyWorst =
      ASYNC_RETRY_ATTEMPTS * NOTIFIER_TIMEOUT.toSeconds() +
      LAMBDA_RETRY_WAITS.slice(0, ASYNC_RETRY_ATTEMPTS).reduce((s, d) => s + d.toSeconds(), 0);
    const threshold = eventAgeThreshold(NOTIFIER_TIMEOUT, ASYNC_RETRY_ATTEMPTS).toSeconds();
    expect(threshold).toBeGreaterThan(healthyWorst);
    expect(threshold - healthyWorst).toBe(60);
    const template = Template.fromStack(synth());
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'uia--ops--notifier-event-age',
      Threshold: threshold * 1000,
    });
  });
});
