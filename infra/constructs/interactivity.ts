/**
 * The Slack interactivity endpoint (functions/interactivity/handler.ts): one function behind a
 * Lambda function URL, which invokes itself asynchronously for the slow half of each click.
 *
 * | resource              | why                                                                 |
 * |-----------------------|---------------------------------------------------------------------|
 * | function URL, auth    | Slack cannot sign with SigV4: every request is verified by the      |
 * | NONE                  | signing secret instead (verify-request.ts), replays refused         |
 * | signing secret        | referenced by name only (like the bot token); the value is put in   |
 * |                       | Secrets Manager by hand (README "Slack app")                        |
 * | own role              | exactly the calls the code makes (below), no managed policy         |
 * | failed-actions queue  | async-invoke on-failure destination: a click whose work failed 3    |
 * |                       | times is kept with its error for 14 days                            |
 *
 * Least privilege: GetItem/PutItem/DeleteItem on the alerts table (incident records, silences,
 * seen requests, delivery claims); GetSecretValue on the two secrets; lambda:InvokeFunction on
 * this function only (by its fixed name, so the policy does not depend on the function it is
 * attached to); logs on its own log group; sqs:SendMessage to its failure queue.
 */
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { acknowledgeNag } from '../nag';
import { LAMBDA_RUNTIME, bundlingOptions } from './bundling';

export interface InteractivityProps {
  namePrefix: string;
  table: dynamodb.ITableV2;
  /** The bot token's secret (posting replies, rewriting roots, reading user groups). */
  botTokenSecret: secretsmanager.ISecret;
  /**
   * Secrets Manager name of the Slack app's signing secret (Basic Information → App
   * Credentials). Only referenced.
   * @default `${namePrefix}/slack-signing-secret`
   */
  signingSecretName?: string;
}

/** Slack wants an answer within 3 s; the slow half (root rewrite, replies) has up to this. */
export const INTERACTIVITY_TIMEOUT = Duration.seconds(30);
export const INTERACTIVITY_ASYNC_RETRIES = 2;

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const secretArn = (secret: secretsmanager.ISecret) => secret.secretFullArn ?? `${secret.secretArn}-??????`;

export class Interactivity extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly url: lambda.FunctionUrl;
  readonly signingSecret: secretsmanager.ISecret;
  readonly failedActions: sqs.Queue;

  constructor(scope: Construct, id: string, props: InteractivityProps) {
    super(scope, id);
    const { table, botTokenSecret, namePrefix } = props;
    const stack = Stack.of(this);
    const functionName = `${namePrefix}-slack-interactivity`;
    this.signingSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'SigningSecret',
      props.signingSecretName ?? `${namePrefix}/slack-signing-secret`,
    );
    this.failedActions = new sqs.Queue(this, 'FailedActions', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Slack interactivity: verifies clicks, records acknowledgements, silences and resolves',
    });
    const allow = (actions: string[], resources: string[]) =>
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]);
    allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [table.tableArn]);
    allow(['secretsmanager:GetSecretValue'], [secretArn(this.signingSecret), secretArn(botTokenSecret)]);
    allow(
      ['lambda:InvokeFunction'],
      [
        stack.formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: functionName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    );
    allow(['sqs:SendMessage'], [this.failedActions.queueArn]);

    this.fn = new NodejsFunction(this, 'Function', {
      functionName,
      description: 'Slack interactivity: page buttons (acknowledge, silence, resolve, affected users)',
      entry: root('functions/interactivity/handler.ts'),
      handler: 'handler',
      projectRoot: root(''),
      depsLockFilePath: root('package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: INTERACTIVITY_TIMEOUT,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup,
      environment: {
        ALERTS_TABLE_NAME: table.tableName,
        SLACK_SIGNING_SECRET_ID: this.signingSecret.secretName,
        SLACK_TOKEN_SECRET_ID: botTokenSecret.secretName,
        POWERTOOLS_SERVICE_NAME: 'interactivity',
      },
      bundling: bundlingOptions(),
    });
    const onFailure: lambda.IDestination = { bind: () => ({ destination: this.failedActions.queueArn }) };
    this.fn.configureAsyncInvoke({
      retryAttempts: INTERACTIVITY_ASYNC_RETRIES,
      maxEventAge: Duration.hours(1),
      onFailure,
    });
    this.url = this.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and PutTelemetryRecords, which Tracing.ACTIVE adds, support no resource-level permissions',
    });
    acknowledgeNag(
      this.failedActions,
      'Serverless',
      'SQSRedrivePolicy',
      'This queue is itself where failed clicks end (the async-invoke on-failure destination); a redrive policy would move them out of sight',
    );
    acknowledgeNag(
      this.failedActions,
      'AwsSolutions',
      'SQS3',
      'This queue is the end of the line for failed clicks (the async-invoke on-failure destination); a queue behind it would only hide them further',
    );
    acknowledgeNag(
      this.fn,
      'Serverless',
      'LambdaDLQ',
      'Failed asynchronous invocations go to the failed-actions queue through the on-failure destination, with the error; a DeadLetterConfig would send a second, poorer copy',
    );
  }
}
