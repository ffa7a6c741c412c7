import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleSet } from '../rules';
import { alarmEventPattern, eventRuleName, insightEventPattern, testAlertEventPattern } from '../rules/names';
import { testAlertBusPolicy } from '../rules/test-alert-access';
import { parseDeployedRuleSet } from '../rules/deployed';
import type { RuleSet } from '../rules/schema';
import { buildApp } from './app';
import { addNagPacks } from './nag';
import { AlertsTable } from './constructs/alerts-table';
import { EncryptedTopic } from './constructs/encrypted-topic';
import { RuleSetLayer } from './constructs/rule-set-layer';
import { TestAlertIngress } from './constructs/test-alerts';
import { NOTIFIER_RESERVED_CONCURRENCY, Notifier, notifierEventPatterns } from './constructs/notifier';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Principal?: unknown;
  Condition?: unknown;
}
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The placeholder account of offline synth (infra/app.ts) and of the stacks below. */
const ACCOUNT = '123456789012';

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const logicalId = (template: Template, type: string, prefix: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The notifier alone in a stack, with the same kinds of neighbours the alerting stack gives it. */
function notifierStack(rules: RuleSet, options: { bundle?: boolean; reservedConcurrency?: number } = {}) {
  const app = new App(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } });
  addNagPacks(app);
  const stack = new Stack(app, 'NotifierOnly', { env: { account: '123456789012', region: 'eu-west-2' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new EncryptedTopic(stack, 'OnCall', { displayName: 'on-call', key });
  const table = new AlertsTable(stack, 'Alerts');
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Slack', 'uia/slack-bot-token');
  const testAlerts = new TestAlertIngress(stack, 'TestAlerts', { namePrefix: rules.namePrefix });
  const notifier = new Notifier(stack, 'Notifier', {
    ruleSet: rules,
    ruleSetLayer: new RuleSetLayer(stack, 'RuleSet', { ruleSet: rules }),
    topic: topic.topic,
    key,
    table: table.table,
    secret,
    testAlertBus: testAlerts.bus,
    ...(options.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrency: options.reservedConcurrency }),
  });
  return { app, stack, notifier };
}

describe('notifier in the alerting stack', () => {
  let template: Template;
  let dlq: string;
  beforeAll(() => {
    template = Template.fromStack(buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } })).alerting);
    dlq = logicalId(template, 'AWS::SQS::Queue', 'NotifierDeadLetters');
  });

  it('listens with exactly the patterns rules/names.ts derives, one rule per kind, each naming the account', () => {
    const bus = { Ref: logicalId(template, 'AWS::Events::EventBus', 'TestAlertsBus') };
    const expected = [
      { name: eventRuleName('uia', 'alarms'), pattern: alarmEventPattern(ruleSet, ACCOUNT), bus: undefined },
      {
        name: eventRuleName('uia', 'insights'),
        pattern: insightEventPattern(ruleSet, ACCOUNT),
        bus: undefined,
      },
      { name: eventRuleName('uia', 'test-alerts'), pattern: testAlertEventPattern(ruleSet, ACCOUNT), bus },
    ];
    const rules = Object.values(template.findResources('AWS::Events::Rule') as Resources).filter((r) =>
      String(r.Properties.Name).startsWith('uia--'),
    );
    expect(
      rules.map((r) => ({
        name: r.Properties.Name,
        pattern: r.Properties.EventPattern,
        bus: r.Properties.EventBusName,
      })),
    ).toEqual(expected);
    for (const { pattern } of expected) expect(pattern['account']).toEqual([ACCOUNT]);
    // The shipped rule set names real alarms and groups, so no list is empty.
    expect((alarmEventPattern(ruleSet, ACCOUNT).detail as { alarmName: string[] }).alarmName).toContain(
      'uia--registered-user-faults--trace-count',
    );
  });

  it('tells the function which accounts are its own', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_SOURCE_ACCOUNTS: ACCOUNT }) },
    });
  });

  it('puts test alerts on their own bus, whose policy admits only the sender role', () => {
    const join = (tail: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, tail]] });
    const busArn = join(`:events:us-east-1:${ACCOUNT}:event-bus/uia-test-alerts`);
    const roleArn = join(`:iam::${ACCOUNT}:role/uia-test-alert-sender`);
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'uia-test-alerts',
      Policy: testAlertBusPolicy({ busArn: busArn as never, senderRoleArn: roleArn as never }),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'uia-test-alert-sender',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: join(`:iam::${ACCOUNT}:root`) },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'PutTestAlerts',
          PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: busArn }] },
        },
      ],
    });
  });

  it('gives every rule target a retry policy and the DLQ', () => {
    const fn = logicalId(template, 'AWS::Lambda::Function', 'NotifierFunction');
    const rules = Object.values(template.findResources('AWS::Events::Rule') as Resources).filter((r) =>
      String(r.Properties.Name).startsWith('uia--'),
    );
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        }),
      ]);
    }
  });

  it('retries function errors twice, then sends the event to the same DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', 'NotifierFunction') },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 7200,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
  });

  it('keeps the DLQ encrypted and SSL-only, open to EventBridge only from its own rules', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy') as Resources).find((p) =>
      (p.Properties.Queues as { Ref: string }[]).some((q) => q.Ref === dlq),
    );
    const statements = (policy?.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const fromEvents = statements.filter((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'));
    expect(fromEvents).toHaveLength(3);
    for (const s of fromEvents) {
      expect(s).toMatchObject({
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': expect.anything() } },
      });
    }
  });

  it('runs on Node.js 24, arm64, traced, configured by environment without the token', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: 60,
      Environment: {
        Variables: {
          ALERTS_TABLE_NAME: { Ref: logicalId(template, 'AWS::DynamoDB::GlobalTable', 'AlertsTable') },
          UIA_RULE_SET_FILE: '/opt/uia/rule-set.json',
          ONCALL_TOPIC_ARN: { Ref: logicalId(template, 'AWS::SNS::Topic', 'OnCallTopic') },
          SLACK_TOKEN_SECRET_ID: 'uia/slack-bot-token',
          DEAD_LETTER_QUEUE_URL: { Ref: dlq },
          DEFERRAL_QUEUE_URL: { Ref: logicalId(template, 'AWS::SQS::Queue', 'NotifierDeferred') },
          INCIDENT_EVENT_BUS_NAME: {
            Ref: logicalId(template, 'AWS::Events::EventBus', 'NotifierIncidentEvents'),
          },
          POWERTOOLS_SERVICE_NAME: 'notifier',
        },
      },
    });
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'uia-incidents' });
  });

  it('reserves concurrency for the notifier, so nothing else in the account can starve a page', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Notifier'),
      ReservedConcurrentExecutions: NOTIFIER_RESERVED_CONCURRENCY,
    });
    expect(NOTIFIER_RESERVED_CONCURRENCY).toBe(10);
    const none = Template.fromStack(notifierStack(ruleSet, { reservedConcurrency: 0 }).stack);
    const fn = Object.values(none.findResources('AWS::Lambda::Function') as Resources).find((r) =>
      String(r.Properties.Description).startsWith('Notifier'),
    );
    expect(fn?.Properties.ReservedConcurrentExecutions).toBeUndefined();
    // The deploy-time switch for accounts that cannot reserve any.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], notifierReservedConcurrency: '0' } });
    const viaContext = Object.values(
      Template.fromStack(buildApp(app).alerting).findResources('AWS::Lambda::Function') as Resources,
    ).find((r) => String(r.Properties.Description).startsWith('Notifier'));
    expect(viaContext?.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(() =>
      buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], notifierReservedConcurrency: 'lots' } })),
    ).toThrow(/expected a whole number/);
  });

  it('grants exactly the actions the code uses, each on its one resource', () => {
    const statements = statementsOf(template, 'NotifierRole');
    const ref = (type: string, prefix: string) => ({ Ref: logicalId(template, type, prefix) });
    const arn = (type: string, prefix: string) => ({
      'Fn::GetAtt': [logicalId(template, type, prefix), 'Arn'],
    });
    const by = (prefix: string) => statements.filter((s) => actions(s).some((a) => a.startsWith(prefix)));
    expect(by('dynamodb:')).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Effect: 'Allow',
        Resource: arn('AWS::DynamoDB::GlobalTable', 'AlertsTable'),
      },
      {
        Action: 'dynamodb:UpdateItem',
        Effect: 'Allow',
        Resource: arn('AWS::DynamoDB::GlobalTable', 'AlertsTable'),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TESTLIMIT#*'] } },
      },
    ]);
    expect(by('sns:')).toEqual([
      { Action: 'sns:Publish', Effect: 'Allow', Resource: ref('AWS::SNS::Topic', 'OnCallTopic') },
    ]);
    expect(by('kms:')).toEqual([
      {
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Effect: 'Allow',
        Resource: arn('AWS::KMS::Key', 'TopicKey'),
      },
    ]);
    expect(by('sqs:')).toEqual([
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: [arn('AWS::SQS::Queue', 'NotifierDeadLetters'), arn('AWS::SQS::Queue', 'NotifierDeferred')],
      },
      {
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Effect: 'Allow',
        Resource: arn('AWS::SQS::Queue', 'NotifierDeferred'),
      },
    ]);
    expect(by('events:')).toEqual([
      {
        Action: 'events:PutEvents',
        Effect: 'Allow',
        Resource: arn('AWS::Events::EventBus', 'NotifierIncidentEvents'),
      },
    ]);
    expect(by('secretsmanager:')).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:us-east-1:123456789012:secret:uia/slack-bot-token-??????',
            ],
          ],
        },
      },
    ]);
  });

  it('uses no wildcard action, and a wildcard resource only for X-Ray, which has no resource-level permissions', () => {
    const statements = statementsOf(template, 'NotifierRole');
    expect(statements.flatMap(actions).filter((a) => a.includes('*'))).toEqual([]);
    expect(
      statements
        .filter((s) => s.Resource === '*')
        .flatMap(actions)
        .sort(),
    ).toEqual(['xray:GetTraceSummaries', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'sns:Publish',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
        'xray:GetTraceSummaries',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('defers through an encrypted, SSL-only SQS delay queue the notifier consumes with partial batch failures', () => {
    const deferred = logicalId(template, 'AWS::SQS::Queue', 'NotifierDeferred');
    const fn = logicalId(template, 'AWS::Lambda::Function', 'NotifierFunction');
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 86_400,
      // At least six times the function timeout, as AWS asks of an event source queue.
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    const queue = (template.findResources('AWS::SQS::Queue') as Resources)[deferred]!;
    // No queue-level delay: each deferral sets its own DelaySeconds.
    expect(queue.Properties.DelaySeconds).toBeUndefined();
    template.resourcePropertiesCountIs('AWS::Lambda::EventSourceMapping', {}, 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn },
      EventSourceArn: { 'Fn::GetAtt': [deferred, 'Arn'] },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy') as Resources).find((p) =>
      (p.Properties.Queues as { Ref: string }[]).some((q) => q.Ref === deferred),
    );
    expect((policy?.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('keeps the on-call topic for pages: no alarm notifies it, CloudWatch may not publish to it', () => {
    const topic = logicalId(template, 'AWS::SNS::Topic', 'OnCallTopic');
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources);
    const notifyOnCall = alarms.filter((a) =>
      JSON.stringify([a.Properties.AlarmActions, a.Properties.OKActions]).includes(`"${topic}"`),
    );
    expect(notifyOnCall).toEqual([]);
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy') as Resources).filter((p) =>
      (p.Properties.Topics as { Ref: string }[]).some((t) => t.Ref === topic),
    );
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    expect(statements.filter((st) => JSON.stringify(st.Principal).includes('cloudwatch'))).toEqual([]);
  });

  it('lets CloudWatch use the topic key only with this account and named alarms as the source', () => {
    const keyStatements = (
      Object.values(template.findResources('AWS::KMS::Key') as Resources)[0]!.Properties.KeyPolicy as {
        Statement: Statement[];
      }
    ).Statement.filter((s) => JSON.stringify(s.Principal).includes('Service'));
    expect(keyStatements.length).toBeGreaterThan(0);
    for (const statement of keyStatements) {
      expect(statement.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
      expect(statement.Condition).toMatchObject({
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': expect.anything() },
      });
    }
  });
});

describe('notifier construct', () => {
  it('skips a rule kind whose name list is empty (EventBridge rejects empty arrays)', () => {
    const noAlarms: RuleSet = {
      ...ruleSet,
      rules: ruleSet.rules.map((r) => {
        const { alarm: _alarm, ...rest } = r;
        return { ...rest, group: { ...r.group, insightNotifications: false } };
      }),
    };
    expect(notifierEventPatterns(noAlarms, ACCOUNT).map((p) => p.kind)).toEqual(['test-alerts']);
    const template = Template.fromStack(notifierStack(noAlarms).stack);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', { Name: 'uia--test-alerts' });
  });

  it('passes cdk-nag, each acknowledgement with its reason', () => {
    const { app, stack } = notifierStack(ruleSet);
    expect(() => app.synth()).not.toThrow();
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.map(([id]) => id).sort()).toEqual([
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'Serverless::Serverless-LambdaDLQ',
      'Serverless::Serverless-LambdaEventSourceMappingDestination',
      'Serverless::Serverless-SQSRedrivePolicy',
    ]);
    expect(acknowledged.every(([, reason]) => reason.length > 40)).toBe(true);
  });

  it(
    'bundles the handler locally with esbuild: minified ESM without the rule set, which the layer carries',
    { timeout: 120_000 },
    () => {
      const { app, stack } = notifierStack(ruleSet, { bundle: true });
      const assembly = app.synth();
      const template = Template.fromStack(stack);
      const fn = Object.values(template.findResources('AWS::Lambda::Function') as Resources).find(
        (r) => r.Properties.Handler === 'index.handler',
      );
      const key = (fn?.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      const file = join(assembly.directory, `asset.${key}`, 'index.mjs');
      expect(existsSync(file)).toBe(true);
      const code = readFileSync(file, 'utf8');
      expect(code).toContain('chat.postMessage');
      // The same code serves any rule set: no rule of this repository is in it.
      for (const rule of ruleSet.rules) expect(code).not.toContain(rule.title);
      const [layer] = Object.values(template.findResources('AWS::Lambda::LayerVersion') as Resources);
      const layerKey = (layer?.Properties.Content as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      const deployed = readFileSync(
        join(assembly.directory, `asset.${layerKey}`, 'uia', 'rule-set.json'),
        'utf8',
      );
      expect(parseDeployedRuleSet(deployed)).toEqual(ruleSet);
      expect(fn?.Properties.Layers).toEqual([
        { Ref: logicalId(template, 'AWS::Lambda::LayerVersion', 'RuleSet') },
      ]);
      expect(code.length / code.split('\n').length).toBeGreaterThan(2_000);
    },
  );
});
