import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleSet } from '../rules';
import type { DigestConfig } from '../rules/schema';
import { buildApp } from './app';
import { addNagPacks } from './nag';
import { AlertsTable } from './constructs/alerts-table';
import { Digest, digestEntry, digestScheduleExpression } from './constructs/digest';
import { EncryptedTopic } from './constructs/encrypted-topic';
import { RuleSetLayer } from './constructs/rule-set-layer';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Statements of every IAM policy attached to the role whose logical id starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const logicalId = (template: Template, type: string, prefix: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

describe('digest in the alerting stack', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } })).alerting);
  });

  it('schedules the digest from the rule set: local hour and weekday in its time zone', () => {
    const { digest } = ruleSet;
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: `cron(0 ${digest.hour} ? * ${digest.weekday} *)`,
      ScheduleExpressionTimezone: digest.timezone,
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DigestFunction'), 'Arn'] },
        // The handler reports on the scheduled time, so a retried run covers the same period.
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DigestScheduleRole'), 'Arn'] },
      }),
    });
    expect(digest).toMatchObject({ hour: 8, weekday: 'MON', timezone: 'Europe/London' });
  });

  it('runs on Node.js 24, arm64, traced, with a log group that expires', () => {
    const logGroup = logicalId(template, 'AWS::Logs::LogGroup', 'DigestLogs');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: logGroup } },
      Environment: {
        Variables: {
          ALERTS_TABLE_NAME: { Ref: logicalId(template, 'AWS::DynamoDB::GlobalTable', 'AlertsTable') },
          DIGEST_TOPIC_ARN: { Ref: logicalId(template, 'AWS::SNS::Topic', 'DigestTopic') },
          POWERTOOLS_SERVICE_NAME: 'digest',
        },
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('lets the function query the table and its byDay index, read incident items and pointers, and nothing else', () => {
    const table = logicalId(template, 'AWS::DynamoDB::GlobalTable', 'AlertsTable');
    const statements = statementsOf(template, 'DigestRole');
    const dynamo = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      {
        Action: 'dynamodb:Query',
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': [table, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/byDay']] },
        ],
      },
      {
        Action: 'dynamodb:GetItem',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RULE#*', 'INC#*'] } },
      },
    ]);
  });

  it('lets the function publish to the digest topic only, with the KMS actions SNS needs', () => {
    const statements = statementsOf(template, 'DigestRole');
    const digestTopic = logicalId(template, 'AWS::SNS::Topic', 'DigestTopic');
    const key = logicalId(template, 'AWS::KMS::Key', 'TopicKey');
    expect(statements.filter((s) => actions(s).some((a) => a.startsWith('sns:')))).toEqual([
      { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: digestTopic } },
    ]);
    expect(statements.filter((s) => actions(s).some((a) => a.startsWith('kms:')))).toEqual([
      {
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [key, 'Arn'] },
      },
    ]);
    // The rule set names no sender: no SES permission at all.
    expect(statements.flatMap(actions).filter((a) => a.startsWith('ses:'))).toEqual([]);
  });

  it('grants no wildcard action, and a wildcard resource only to the X-Ray actions', () => {
    const statements = [
      ...statementsOf(template, 'DigestRole'),
      ...statementsOf(template, 'DigestScheduleRole'),
    ];
    expect(statements.flatMap(actions).filter((a) => a.includes('*'))).toEqual([]);
    expect(statements.filter((s) => s.Resource === '*').flatMap(actions)).toEqual([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
    ]);
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'lambda:InvokeFunction',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('lets the schedule invoke exactly the digest function, not its versions and aliases', () => {
    expect(statementsOf(template, 'DigestScheduleRole')).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'DigestFunction'), 'Arn'] },
      },
    ]);
  });
});

describe('digest with other configs', () => {
  function digestStack(config: DigestConfig) {
    const app = new App();
    addNagPacks(app);
    const stack = new Stack(app, 'DigestOnly', { env: { account: '123456789012', region: 'eu-west-2' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new EncryptedTopic(stack, 'Topic', { displayName: 'digest', key });
    const table = new AlertsTable(stack, 'Alerts');
    const ruleSetLayer = new RuleSetLayer(stack, 'RuleSet', { ruleSet: { ...ruleSet, digest: config } });
    new Digest(stack, 'Digest', { config, ruleSetLayer, topic: topic.topic, table: table.table, key });
    return { app, stack };
  }

  const daily: DigestConfig = {
    cadence: 'daily',
    weekday: 'MON',
    hour: 6,
    timezone: 'America/New_York',
    recipients: ['boss@example.com'],
    sender: 'digest@mail.example.com',
    nameUsers: false,
  };

  it('runs a daily digest every day at the local hour', () => {
    const template = Template.fromStack(digestStack(daily).stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
    });
  });

  it('allows ses:SendEmail from the sender identity (address or its domain) only when one is configured', () => {
    const template = Template.fromStack(digestStack(daily).stack);
    const ses = statementsOf(template, 'DigestRole').filter((s) => actions(s).includes('ses:SendEmail'));
    const identity = (name: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:eu-west-2:123456789012:identity/${name}`]],
    });
    expect(ses).toEqual([
      {
        Action: 'ses:SendEmail',
        Effect: 'Allow',
        Resource: [identity('digest@mail.example.com'), identity('mail.example.com')],
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DIGEST_SENDER: 'digest@mail.example.com' }) },
    });
  });

  it('passes cdk-nag with a sender configured', () => {
    const { app } = digestStack(daily);
    expect(() => app.synth()).not.toThrow();
  });

  it('bundles the SES client only when a sender is configured', { timeout: 120_000 }, () => {
    const bundleOf = (config: DigestConfig) => {
      const { app, stack } = digestStack(config);
      const assembly = app.synth();
      const fn = Object.values(
        Template.fromStack(stack).findResources('AWS::Lambda::Function') as Resources,
      ).find((r) => r.Properties.Handler === 'index.handler');
      const key = (fn?.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      return readFileSync(join(assembly.directory, `asset.${key}`, 'index.mjs'), 'utf8');
    };
    const textOnly: DigestConfig = { ...daily, sender: undefined };
    expect(digestEntry(textOnly)).toMatch(/functions\/digest\/handler\.ts$/);
    expect(digestEntry(daily)).toMatch(/functions\/digest\/handler-html\.ts$/);

    const text = bundleOf(textOnly);
    const html = bundleOf(daily);
    // SESv2's SendEmail operation and its service id only exist in the SES client.
    for (const marker of ['SendEmail', 'SESv2']) {
      expect(text.includes(marker), `text-only bundle contains ${marker}`).toBe(false);
      expect(html.includes(marker), `HTML bundle contains ${marker}`).toBe(true);
    }
    // Both still publish the text digest (the SNS client's XML namespace).
    for (const bundle of [text, html]) expect(bundle.includes('sns.amazonaws.com/doc/2010-03-31')).toBe(true);
    expect(html.length - text.length).toBeGreaterThan(20_000);
  });

  it('builds the cron expression for either cadence', () => {
    expect(digestScheduleExpression({ cadence: 'weekly', weekday: 'FRI', hour: 17 })).toBe(
      'cron(0 17 ? * FRI *)',
    );
    expect(digestScheduleExpression({ cadence: 'daily', weekday: 'FRI', hour: 0 })).toBe('cron(0 0 * * ? *)');
  });
});
