/**
 * The manager digest: a Lambda on an EventBridge Scheduler schedule, from the rule set's
 * digest config (local hour and weekday in its time zone, so "Monday 08:00 London" stays
 * 08:00 across clock changes).
 *
 * Least privilege, written out rather than granted by helpers, because the helpers add
 * wildcards: Query only, on the table and its `byDay` index (no Scan, no writes); Publish on
 * the digest topic plus the two KMS actions SNS needs for an encrypted topic; SendEmail only
 * from the configured sender's identity, only when there is one.
 */
import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LAMBDA_RUNTIME } from './bundling';
import { FUNCTION_ENTRIES, FUNCTION_HANDLER, functionCode, type FunctionName } from './function-code';
import type { RuleSetLayer } from './rule-set-layer';
import { acknowledgeNag } from '../nag-acknowledge';
import { fileURLToPath } from 'node:url';
import { ALERTS_TABLE_KEYS } from '../../functions/shared/alerts-table';
import type { DigestConfig } from '../../rules/schema';

export interface DigestProps {
  /** `ruleSet.digest`: the same config the function reads from the rule-set layer. */
  config: DigestConfig;
  /** The deployed rule set (the digest reads its config and rule titles there). */
  ruleSetLayer: RuleSetLayer;
  topic: sns.ITopic;
  table: dynamodb.ITableV2;
  /** The key the digest topic is encrypted with. */
  key: kms.IKey;
}

/** `cron(0 8 ? * MON *)` weekly, `cron(0 8 * * ? *)` daily; read in the config's time zone. */
export function digestScheduleExpression(config: Pick<DigestConfig, 'cadence' | 'weekday' | 'hour'>): string {
  return config.cadence === 'weekly'
    ? `cron(0 ${config.hour} ? * ${config.weekday} *)`
    : `cron(0 ${config.hour} * * ? *)`;
}

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/**
 * The digest's entry for this config: with an SES sender the HTML-capable one, else the text-only
 * one, whose bundle does not contain the SES client (test/digest-bundle.test.ts measures both).
 */
export function digestEntry(config: Pick<DigestConfig, 'sender'>): string {
  return root(FUNCTION_ENTRIES[digestFunctionName(config)]);
}

export function digestFunctionName(config: Pick<DigestConfig, 'sender'>): FunctionName {
  return config.sender === undefined ? 'digest' : 'digest-html';
}

export class Digest extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly scheduleRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: DigestProps) {
    super(scope, id);
    const { config, topic, table, key } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    // Own role instead of the default one: the default attaches the AWS-managed basic execution
    // policy, which lets the function write to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Manager digest: reads incidents, publishes the digest',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [table.tableArn, `${table.tableArn}/index/${ALERTS_TABLE_KEYS.byDayIndex}`],
      }),
    );
    // Each rule's current-incident pointer, for incidents still open from earlier periods;
    // the leading-key condition keeps GetItem off every other item in the table.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RULE#*', 'INC#*'] } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }),
    );
    // SNS encrypts the message with the topic's key on the publisher's behalf.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
    );
    if (config.sender !== undefined) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: senderIdentityArns(this, config.sender),
        }),
      );
    }

    this.fn = new lambda.Function(this, 'Function', {
      description: 'Manager digest: period summary of user-impact incidents',
      code: functionCode(digestFunctionName(config)),
      handler: FUNCTION_HANDLER,
      layers: [props.ruleSetLayer.layer],
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Two period reads (a query per day each), rendering and two sends: seconds, not minutes.
      timeout: Duration.minutes(1),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ALERTS_TABLE_NAME: table.tableName,
        ...props.ruleSetLayer.environment,
        DIGEST_TOPIC_ARN: topic.topicArn,
        ...(config.sender !== undefined && { DIGEST_SENDER: config.sender }),
        POWERTOOLS_SERVICE_NAME: 'digest',
      },
    });

    // A duplicate digest is a smaller harm than a missing one, so delivery is retried; a run
    // more than a few hours late would no longer be "this morning's" digest.
    // The target's own grant adds `<function>:*` (every version and alias); the schedule only
    // ever invokes the unqualified function, so it gets a role with exactly that, kept immutable
    // so LambdaInvoke cannot widen it.
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets the digest schedule invoke the digest function',
    });
    this.scheduleRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] }),
    );

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Manager digest (${config.cadence})`,
      schedule: scheduler.ScheduleExpression.expression(
        digestScheduleExpression(config),
        TimeZone.of(config.timezone),
      ),
      target: new LambdaInvoke(this.fn, {
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        role: this.scheduleRole.withoutPolicyUpdates(),
        retryAttempts: 3,
        maxEventAge: Duration.hours(4),
      }),
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Tracing.ACTIVE adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions',
    });
    acknowledgeNag(
      this.fn,
      'Serverless',
      'LambdaDLQ',
      "The digest's only input is the scheduled time, and a run recomputes everything from the alerts table: a dead-letter queue would hold nothing a re-invoke with that time cannot redo; failures show in the function's Errors metric",
    );
  }
}

/** An address can be verified on its own or through its domain; SES checks whichever it is. */
function senderIdentityArns(scope: Construct, sender: string): string[] {
  const stack = Stack.of(scope);
  const domain = sender.slice(sender.lastIndexOf('@') + 1);
  return [sender, domain].map((name) =>
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name }),
  );
}
