/**
 * The notifier: a Lambda behind EventBridge rules (our alarms and our X-Ray groups' Insights on
 * the default bus, the project's test alerts on the test-alert bus), its dead-letter queue and its
 * `Incident Updated` bus. The alarms that watch it (errors, throttles, event age, new dead letters)
 * and their ops topic are in notifier-operations.ts.
 *
 * Delivery failures, two layers (EventBridge → Lambda is an asynchronous invoke):
 * - the rule target's retry policy and DLQ cover only *delivering* the event to Lambda;
 * - the function's async-invoke config retries function errors (2 retries, Lambda's maximum)
 *   and sends what is still failing to the same DLQ (on-failure destination);
 * - the function itself sends permanent failures there, with the reason, and succeeds.
 * One queue: whatever the cause, an event the notifier could not handle is there, with its
 * reason, for `npm run dlq`.
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
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_RUNTIME } from './bundling';
import { FUNCTION_HANDLER, functionCode } from './function-code';
import type { RuleSetLayer } from './rule-set-layer';
import { acknowledgeNag } from '../nag-acknowledge';
import {
  alarmEventPattern,
  eventSourceAccounts,
  incidentBusName,
  eventRuleName,
  insightEventPattern,
  testAlertEventPattern,
  type EventRuleKind,
} from '../../rules/names';
import { DEAD_LETTER_RETENTION_DAYS, DEFERRAL_RETENTION_DAYS } from '../../rules/retention-bounds';
import type { RuleSet } from '../../rules/schema';

export interface NotifierProps {
  /** The rule set: the EventBridge patterns come from it. */
  ruleSet: RuleSet;
  /** The same rule set as the function reads it (its code does not contain it). */
  ruleSetLayer: RuleSetLayer;
  /** On-call topic: page emails. */
  topic: sns.ITopic;
  /** The key the on-call topic is encrypted with. */
  key: kms.IKey;
  table: dynamodb.ITableV2;
  /** The Slack bot token's secret (only its name reaches the function). */
  secret: secretsmanager.ISecret;
  /** The bus test alerts arrive on (TestAlertIngress); the test-alert rule listens there only. */
  testAlertBus: events.IEventBus;
  /** Concurrent executions reserved for (and allowed to) the notifier. @default {@link NOTIFIER_RESERVED_CONCURRENCY} */
  reservedConcurrency?: number;
}

/**
 * Reserved concurrency does two jobs: the shop (or anything else in the account) can never use
 * up the concurrency a page needs, and a storm of events cannot fan the notifier out into
 * Slack's and X-Ray's rate limits. Ten covers every rule's alarm and Insight firing at once with
 * a few seconds each; events beyond it are not lost: Lambda queues asynchronous invocations and
 * retries throttled ones for up to {@link MAX_EVENT_AGE}. AWS keeps 100 executions unreserved per
 * account, so an account whose limit is still the new-account default cannot reserve any: pass 0
 * there (no reservation) until the limit is raised.
 */
export const NOTIFIER_RESERVED_CONCURRENCY = 10;

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
/**
 * Deferred events are at most two hours old (defer.ts); a day keeps what redrive misses. The
 * number lives in rules/retention-bounds.ts: the alerts table must keep event bindings longer
 * than an event can come back.
 */
export const DEFERRAL_RETENTION = Duration.days(DEFERRAL_RETENTION_DAYS);
/** Receives of one deferred record that failed before SQS moves it to the DLQ. */
export const DEFERRAL_MAX_RECEIVES = 5;
/** Deferred records per invocation: each may post to Slack, so few at a time. */
export const DEFERRAL_BATCH_SIZE = 5;

/**
 * The rules the notifier listens on, from rules/names.ts, each naming `account` (the
 * deployment's); a kind whose name list is empty is skipped, because EventBridge rejects a
 * pattern with an empty array. Alarms and Insights arrive on the default bus, test alerts on the
 * test-alert bus.
 */
export function notifierEventPatterns(
  ruleSet: RuleSet,
  account: string,
): Array<{ kind: EventRuleKind; pattern: Record<string, unknown> }> {
  const all: Array<{ kind: EventRuleKind; pattern: Record<string, unknown> }> = [
    { kind: 'alarms', pattern: alarmEventPattern(ruleSet, account) },
    { kind: 'insights', pattern: insightEventPattern(ruleSet, account) },
    { kind: 'test-alerts', pattern: testAlertEventPattern(ruleSet, account) },
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

export class Notifier extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.Queue;
  readonly deferralQueue: sqs.Queue;
  readonly incidentBus: events.EventBus;
  readonly rules: ReadonlyMap<EventRuleKind, events.Rule>;

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    const { ruleSet, topic, key, table, secret } = props;
    const prefix = ruleSet.namePrefix;
    const account = Stack.of(this).account;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      // SQS-managed keys: EventBridge and Lambda can send without a key policy to maintain.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DEAD_LETTER_RETENTION_DAYS),
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
    // The test-alert quota (test-alert-limit.ts): one conditional UpdateItem, on its own items only.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TESTLIMIT#*'] } },
      }),
    );
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

    this.fn = new lambda.Function(this, 'Function', {
      description: 'Notifier: alarm and Insight events → affected users → Slack thread and email',
      code: functionCode('notifier'),
      handler: FUNCTION_HANDLER,
      layers: [props.ruleSetLayer.layer],
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: NOTIFIER_TIMEOUT,
      ...((props.reservedConcurrency ?? NOTIFIER_RESERVED_CONCURRENCY) > 0 && {
        reservedConcurrentExecutions: props.reservedConcurrency ?? NOTIFIER_RESERVED_CONCURRENCY,
      }),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ALERTS_TABLE_NAME: table.tableName,
        ...props.ruleSetLayer.environment,
        ONCALL_TOPIC_ARN: topic.topicArn,
        SLACK_TOKEN_SECRET_ID: secret.secretName,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        EVENT_SOURCE_ACCOUNTS: eventSourceAccounts(ruleSet, account).join(','),
        DEFERRAL_QUEUE_URL: this.deferralQueue.queueUrl,
        INCIDENT_EVENT_BUS_NAME: this.incidentBus.eventBusName,
        POWERTOOLS_SERVICE_NAME: 'notifier',
      },
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
    const deferred = new lambda.EventSourceMapping(this, 'DeferredDeliveries', {
      target: this.fn,
      eventSourceArn: this.deferralQueue.queueArn,
      batchSize: DEFERRAL_BATCH_SIZE,
      reportBatchItemFailures: true,
    });
    deferred.node.addDependency(this.role);
    acknowledgeNag(
      deferred,
      'Serverless',
      'LambdaEventSourceMappingDestination',
      'An SQS event source takes no on-failure destination (Lambda supports one for stream and Kafka sources only); the deferral queue redrives a record that keeps failing to the notifier DLQ after DEFERRAL_MAX_RECEIVES receives',
    );

    const target = new targets.LambdaFunction(this.fn, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: TARGET_RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
    });
    const rules = new Map<EventRuleKind, events.Rule>();
    for (const { kind, pattern } of notifierEventPatterns(ruleSet, account)) {
      rules.set(
        kind,
        new events.Rule(this, `Rule-${kind}`, {
          ruleName: eventRuleName(prefix, kind),
          ...(kind === 'test-alerts' && { eventBus: props.testAlertBus }),
          description: `Notifier: ${kind} of the ${prefix} rule set`,
          eventPattern: cdkPattern(pattern),
          targets: [target],
        }),
      );
    }
    this.rules = rules;

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:GetTraceSummaries, and the xray:PutTraceSegments / PutTelemetryRecords that Tracing.ACTIVE adds, support no resource-level permissions',
    });
    acknowledgeNag(
      this.deadLetterQueue,
      'Serverless',
      'SQSRedrivePolicy',
      'This queue is itself the dead-letter queue; a redrive policy would move its messages out of sight of the dead-letter alarm and of npm run dlq',
    );
    acknowledgeNag(
      this.fn,
      'Serverless',
      'LambdaDLQ',
      'Failed asynchronous invocations go to the same DLQ through the async-invoke on-failure destination, which carries the error and request context; a DeadLetterConfig would send a second, poorer copy',
    );
  }
}
