import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleSet } from '../rules';
import { alarmName, groupName } from '../rules/names';
import { buildApp } from './app';

describe('AlertingStack', () => {
  let template: Template;
  beforeAll(() => {
    const { alerting } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    template = Template.fromStack(alerting);
  });

  it('creates one X-Ray group per rule with its exact filter expression and Insights settings', () => {
    template.resourceCountIs('AWS::XRay::Group', ruleSet.rules.length);
    for (const rule of ruleSet.rules) {
      template.hasResourceProperties('AWS::XRay::Group', {
        GroupName: groupName(ruleSet.namePrefix, rule.id),
        FilterExpression: rule.group.filterExpression,
        InsightsConfiguration: {
          InsightsEnabled: rule.group.insights,
          NotificationsEnabled: rule.group.insights && rule.group.insightNotifications,
        },
      });
    }
  });

  it('creates one alarm per alarmed rule on AWS/X-Ray ApproximateTraceCount by GroupName', () => {
    const alarmed = ruleSet.rules.filter((r) => r.alarm);
    expect(alarmed.length).toBeGreaterThan(0);
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Namespace: 'AWS/X-Ray' }, alarmed.length);
    for (const rule of alarmed) {
      const a = rule.alarm!;
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: alarmName(ruleSet.namePrefix, rule.id),
        Namespace: 'AWS/X-Ray',
        MetricName: 'ApproximateTraceCount',
        Dimensions: [{ Name: 'GroupName', Value: groupName(ruleSet.namePrefix, rule.id) }],
        Statistic: a.statistic,
        Period: a.periodSeconds,
        EvaluationPeriods: a.evaluationPeriods,
        DatapointsToAlarm: a.datapointsToAlarm,
        Threshold: a.threshold,
        ComparisonOperator: a.comparison,
        TreatMissingData: a.treatMissingData,
        ActionsEnabled: false,
      });
    }
  });

  it('creates the sampling rules, SSL-only encrypted topics and a PITR table', () => {
    template.resourceCountIs('AWS::XRay::SamplingRule', ruleSet.sampling.length);
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ RuleName: 'cart-all-requests', FixedRate: 1, URLPath: '/cart*' }),
    });
    // On-call, digest, and the notifier's ops topic.
    template.resourceCountIs('AWS::SNS::Topic', 3);
    template.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('never puts the Slack token value in the template', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/xox[bp]-/);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });
});

describe('cdk-nag at synth', () => {
  it('passes with zero unacknowledged findings', () => {
    const { app } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    expect(() => app.synth()).not.toThrow();
  });

  it('is really wired: a non-compliant resource makes synth fail', () => {
    const { app } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    new sns.Topic(new Stack(app, 'Bad'), 'PlainTopic');
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });
});
