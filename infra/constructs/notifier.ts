/**
 * The notifier: a Lambda behind EventBridge rules on the default bus (our alarms, our X-Ray
 * groups' Insights, the project's test alerts), its dead-letter queue, its `Incident Updated`
 * bus, and an alarm that pages on-call when anything lands in the DLQ.
 *
 * Delivery failures, two layers (EventBridge → Lambda is an asynchronous invoke):
 * - the rule target's retry policy and DLQ cover only *delivering* the event to Lambda;
 * - the function's async-invoke config retries function errors (2 retries, Lambda's maximum)
 *   and sends what is still failing to the same DLQ (on-failure destination);
 * - the function itself sends permanent failures there, with the reason, and succeeds.
 * One queue, one alarm: whatever the cause, an event the notifier could not handle pages.
 *
 * Deferral (functions/notifier/defer.ts): a delivery that must wait longer than the
 * invocation has (Slack's Retry-After) goes to the deferral queue with `DelaySeconds` and
 * comes back through an SQS event source mapping with partial batch failures; a record that
 * keeps failing is redriven to the DLQ after DEFERRAL_MAX_RECEIVES receives.
 *
 * Least privilege, written out because the grant helpers add wildcards and extra actions:
 * each statement names the exact actions the code uses on exactly one resource, except
 * `xray:GetTraceSummaries`, which has no resource-level permissions.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_RUNTIME, bundlingOptions } from './bundling';
import { fileURLToPath } from 'node:url';
import {
  alarmEventPattern,
  incidentBusName,
  eventRuleName,
  insightEventPattern,
  testAlertEventPattern,
  type EventRuleKind,
} from '../../rules/names';
import type { RuleSet } from '../../rules/schema';

export interface NotifierProps {
  /** The rule set the function bundles; the EventBridge patterns come from it too. */
  ruleSet: RuleSet;
  /** On-call topic: page emails, and the DLQ alarm's notification. */
  topic: sns.ITopic;
  /** The key the on-call topic is encrypted with. */
  key: kms.IKey;
  table: dynamodb.ITableV2;
  /** The Slack bot token's secret (only its name reaches the function). */
  secret: secretsmanager.ISecret;
}

/** Function timeout: a 4 s enrichment budget, Slack backoff and a follow-up read fit well inside. */
export const NOTIFIER_TIMEOUT = Duration.minutes(1);
/** Lambda's maximum: two more tries of a failed invocation (a minute, then two, later). */
export const ASYNC_RETRY_ATTEMPTS = 2;
/** A page more than two hours late tells on-call nothing they do not know; it goes to the DLQ. */
export const MAX_EVENT_AGE = Duration.hours(2);
/** EventBridge → Lambda delivery retries (throttled Invoke calls), within MAX_EVENT_AGE. */
export const TARGET_RETRY_ATTEMPTS = 8;
/** AWS: a queue's visibility timeout should be at least six times the function timeout. */
export const DEFERRAL_VISIBILITY_TIMEOUT = Duration.seconds(NOTIFIER_TIMEOUT.toSeconds() * 6);
/** Deferred events are at most two hours old (defer.ts); a day keeps what redrive misses. */
export const DEFERRAL_RETENTION = Duration.days(1);
/** Receives of one deferred record that failed before SQS moves it to the DLQ. */
export const DEFERRAL_MAX_RECEIVES = 5;
/** Deferred records per invocation: each may post to Slack, so few at a time. */
export const DEFERRAL_BATCH_SIZE = 5;

/**
 * The rules the notifier listens on, from rules/names.ts; a kind whose name list is empty is
 * skipped, because EventBridge rejects a pattern with an empty array.
 */
export function notifierEventPatterns(
  ruleSet: RuleSet,
): Array<{ kind: EventRuleKind; pattern: Record<string, unknown> }> {
  const all: Array<{ kind: EventRuleKind; pattern: Record<string, unknown> }> = [
    { kind: 'alarms', pattern: alarmEventPattern(ruleSet) },
    { kind: 'insights', pattern: insightEventPattern(ruleSet) },
    { kind: 'test-alerts', pattern: testAlertEventPattern(ruleSet) },
  ];
  return all.filter(({ pattern }) => !hasEmptyList(pattern));
}

function hasEmptyList(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(hasEmptyList);
}

/** names.ts speaks EventBridge JSON (`detail-type`); the L2 Rule wants `detailType`. */
function cdkPattern(pattern: Record<string, unknown>): events.EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, ...(detailType === undefined ? {} : { detailType }) } as events.EventPattern;
}

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export class Notifier extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.Queue;
  readonly deferralQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly incidentBus: events.EventBus;
  readonly rules: ReadonlyMap<EventRuleKind, events.Rule>;

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    const { ruleSet, topic, key, table, secret } = props;
    const prefix = ruleSet.namePrefix;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      // SQS-managed keys: EventBridge and Lambda can send without a key policy to maintain.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deferralQueue = new sqs.Queue(this, 'Deferred', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEFERRAL_RETENTION,
      visibilityTimeout: DEFERRAL_VISIBILITY_TIMEOUT,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: DEFERRAL_MAX_RECEIVES },
    });
    this.incidentBus = new events.EventBus(this, 'IncidentEvents', { eventBusName: incidentBusName(prefix) });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });

    // Own role: the default one attaches AWSLambdaBasicExecutionRole (every log group in the account).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Notifier: reads traces, pages on-call, records incidents',
    });
    const allow = (actions: string[], resources: string[]) =>
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [this.logGroup.logGroupArn]);
    allow(['xray:GetTraceSummaries'], ['*']);
    allow(['sns:Publish'], [topic.topicArn]);
    // SNS encrypts each message with the topic's key on the publisher's behalf.
    allow(['kms:GenerateDataKey', 'kms:Decrypt'], [key.keyArn]);
    // Exactly what the incident store and event bindings call: no Scan, no Query, no UpdateItem.
    allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [table.tableArn]);
    // Secrets Manager appends `-` and six random characters to a secret's ARN; a secret known by
    // name only is matched with exactly six `?` (one character each), as the CDK's grants do.
    allow(['secretsmanager:GetSecretValue'], [secret.secretFullArn ?? `${secret.secretArn}-??????`]);
    allow(['events:PutEvents'], [this.incidentBus.eventBusArn]);
    allow(['sqs:SendMessage'], [this.deadLetterQueue.queueArn, this.deferralQueue.queueArn]);
    // What the event source mapping needs on the deferral queue (the grant helper would add
    // ChangeMessageVisibility and GetQueueUrl, which nothing calls).
    allow(
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      [this.deferralQueue.queueArn],
    );

    this.fn = new NodejsFunction(this, 'Function', {
      description: 'Notifier: alarm and Insight events → affected users → Slack thread and email',
      entry: root('functions/notifier/handler.ts'),
      handler: 'handler',
      projectRoot: root(''),
      depsLockFilePath: root('package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: NOTIFIER_TIMEOUT,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ALERTS_TABLE_NAME: table.tableName,
        ONCALL_TOPIC_ARN: topic.topicArn,
        SLACK_TOKEN_SECRET_ID: secret.secretName,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        DEFERRAL_QUEUE_URL: this.deferralQueue.queueUrl,
        INCIDENT_EVENT_BUS_NAME: this.incidentBus.eventBusName,
        POWERTOOLS_SERVICE_NAME: 'notifier',
      },
      bundling: bundlingOptions(),
    });

    // The on-failure destination without the grant helper, which would add GetQueueAttributes
    // and GetQueueUrl; the role's sqs:SendMessage above is all Lambda needs.
    const onFailure: lambda.IDestination = { bind: () => ({ destination: this.deadLetterQueue.queueArn }) };
    this.fn.configureAsyncInvoke({
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
      onFailure,
    });

    // The L1-backed mapping without SqsEventSource, whose grant adds actions nothing uses.
    new lambda.EventSourceMapping(this, 'DeferredDeliveries', {
      target: this.fn,
      eventSourceArn: this.deferralQueue.queueArn,
      batchSize: DEFERRAL_BATCH_SIZE,
      reportBatchItemFailures: true,
    }).node.addDependency(this.role);

    const target = new targets.LambdaFunction(this.fn, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: TARGET_RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
    });
    const rules = new Map<EventRuleKind, events.Rule>();
    for (const { kind, pattern } of notifierEventPatterns(ruleSet)) {
      rules.set(
        kind,
        new events.Rule(this, `Rule-${kind}`, {
          ruleName: eventRuleName(prefix, kind),
          description: `Notifier: ${kind} of the ${prefix} rule set`,
          eventPattern: cdkPattern(pattern),
          targets: [target],
        }),
      );
    }
    this.rules = rules;

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'The notifier could not handle an event (see the DLQ message for the reason): a page may be missing',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(new cwActions.SnsAction(topic));
    // CloudWatch publishes the alarm to an encrypted topic: it needs the topic and the key.
    const cloudwatchPrincipal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const sameAccount = { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } };
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudwatchPrincipal],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: sameAccount,
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudwatchPrincipal],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        // In a key policy, `*` is this key.
        resources: ['*'],
      }),
    );

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:GetTraceSummaries, and the xray:PutTraceSegments / PutTelemetryRecords that Tracing.ACTIVE adds, support no resource-level permissions',
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue (of the EventBridge targets and the Lambda async invoke); a DLQ of a DLQ would hide failures',
    });
  }
}
