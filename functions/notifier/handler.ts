/**
 * Lambda entry point of the notifier (EventBridge → asynchronous invoke, and the deferral
 * queue's SQS event source mapping). Wiring only:
 * configuration, clients and the logger are built once per container; the work is
 * `handleEvent` (handle-event.ts) → `processEvent` (process-event.ts).
 *
 * Environment (validated at cold start by config.ts; every problem is listed at once):
 *
 * | variable                        | required | meaning                                                       |
 * |---------------------------------|----------|---------------------------------------------------------------|
 * | `ALERTS_TABLE_NAME`             | yes      | alerts table (incidents, history, delivery records)           |
 * | `ONCALL_TOPIC_ARN`              | yes      | SNS topic for page emails (`routes.email: immediate`)         |
 * | `SLACK_TOKEN_SECRET_ID`         | yes      | Secrets Manager name/ARN holding the bot token (the id only)  |
 * | `DEAD_LETTER_QUEUE_URL`         | yes      | SQS queue for events that fail permanently (with the reason)  |
 * | `EVENT_SOURCE_ACCOUNTS`         | yes      | accounts whose events are ours, comma-separated (own first)   |
 * | `UIA_RULE_SET_FILE`             | no       | the deployed rule set (default `/opt/uia/rule-set.json`, the  |
 * |                                 |          | construct's layer; functions/shared/deployed-rules.ts)        |
 * | `DEFERRAL_QUEUE_URL`            | no       | SQS delay queue for deliveries that must wait (defer.ts);     |
 * |                                 |          | unset: such waits fail the invocation retryably               |
 * | `INCIDENT_EVENT_BUS_NAME`       | no       | bus for `Incident Updated` events; unset: none are published  |
 * | `SLACK_API_URL`                 | no       | WebClient `slackApiUrl` (local Slack stand-in); unset: Slack  |
 * | `REOPEN_WINDOW_MINUTES`         | no       | resolved incident reopens if re-fired within it (default 15)  |
 * | `SLACK_TOKEN_MAX_AGE_SECONDS`   | no       | token cache age (default 300)                                 |
 * | `TRACE_SAMPLING_RATE`           | no       | share (0–1] of requests traced, when sampling rules other     |
 * |                                 |          | than the rule set's apply (default: from rules/sampling.ts)   |
 * | `POWERTOOLS_SERVICE_NAME`       | no       | log `service` field (default `notifier`)                      |
 * | `POWERTOOLS_LOG_LEVEL`          | no       | DEBUG / INFO (default) / WARN / ERROR                         |
 * | `POWERTOOLS_TRACE_ENABLED`      | no       | `false` turns X-Ray subsegments off (on in Lambda)            |
 * | `AWS_REGION`                    | Lambda   | set by Lambda; set it yourself elsewhere                      |
 * | `AWS_ENDPOINT_URL_<SERVICE>`    | no       | the SDK's own endpoint overrides, for the local pipeline:     |
 * |                                 |          | `_XRAY`, `_SNS`, `_DYNAMODB`, `_SECRETS_MANAGER`,             |
 * |                                 |          | `_EVENTBRIDGE`, `_SQS`                                        |
 *
 * The Slack token is never in the environment: it is read from the secret at run time.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { XRayClient } from '@aws-sdk/client-xray';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { effectiveSamplingRate } from '../../rules/sampling-rate';
import { loadDeployedRuleSet } from '../shared/deployed-rules';
import { createIncidentStore } from '../shared/incidents/store';
import { createLogger } from '../shared/logger';
import { tracingFromEnv } from '../shared/tracing';
import { loadNotifierConfig } from './config';
import type { SQSBatchResponse } from 'aws-lambda';
import {
  handleDeferredBatch,
  handleEvent,
  isSqsEvent,
  type HandleDeps,
  type HandleResult,
  type InvocationContext,
} from './handle-event';
import { installedProbe, realSleep } from './ports';
import { createSlackApi } from './slack-api';
import { createSlackTokenSource } from './slack-token';
import { createTestAlertLimiter } from './test-alert-limit';

const clock = () => new Date();

async function notifierRuntime(): Promise<HandleDeps> {
  const config = loadNotifierConfig();
  // From the deployment (the construct's rule-set layer), never from this bundle.
  const ruleSet = loadDeployedRuleSet();
  const logger = createLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'notifier' });
  const tracing = await tracingFromEnv(process.env, {
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  });
  const doc = DynamoDBDocumentClient.from(tracing.captureClient(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const secrets = new SecretsProvider({
    awsSdkV3Client: tracing.captureClient(new SecretsManagerClient({})),
  });
  if (config.incidentEventBusName === undefined) {
    logger.warn('INCIDENT_EVENT_BUS_NAME is not set: no Incident Updated events will be published');
  }
  return {
    ruleSet,
    eventAccounts: config.eventAccounts,
    testAlertLimiter: createTestAlertLimiter({
      doc,
      tableName: config.tableName,
      maxPerRulePerHour: ruleSet.testAlerts.maxPerRulePerHour,
    }),
    store: createIncidentStore({
      doc,
      tableName: config.tableName,
      now: clock,
      retention: ruleSet.retention,
    }),
    slack: createSlackApi({
      token: createSlackTokenSource({
        provider: secrets,
        secretId: config.slackTokenSecretId,
        maxAgeSeconds: config.slackTokenMaxAgeSeconds,
      }),
      slackApiUrl: config.slackApiUrl,
      sleep: realSleep,
      random: Math.random,
      logger,
    }),
    sns: tracing.captureClient(new SNSClient({})),
    onCallTopicArn: config.onCallTopicArn,
    incidentEvents:
      config.incidentEventBusName === undefined
        ? undefined
        : {
            eventBridge: tracing.captureClient(new EventBridgeClient({})),
            busName: config.incidentEventBusName,
          },
    sqs: tracing.captureClient(new SQSClient({})),
    deadLetterQueueUrl: config.deadLetterQueueUrl,
    deferralQueueUrl: config.deferralQueueUrl,
    reopenWindowMs: config.reopenWindowMs,
    // One attempt per call: the SDK's own retries would spend the enrichment budget unseen.
    xray: tracing.captureClient(new XRayClient({ maxAttempts: 1 })),
    // Pages state the share of requests traced when it is below 100%.
    samplingRate: config.samplingRate ?? effectiveSamplingRate(ruleSet),
    now: clock,
    sleep: realSleep,
    random: Math.random,
    logger,
    // A no-op in AWS; the local Lambda runner's crash points (ports.ts).
    probe: installedProbe,
  };
}

const ready = notifierRuntime();
// Init errors surface on the invocation (logged, counted as errors), not as an unhandled rejection.
ready.catch(() => undefined);

/** EventBridge (async invoke) events, and the deferral queue's SQS batches. */
export async function handler(
  event: unknown,
  context: InvocationContext,
): Promise<HandleResult | SQSBatchResponse> {
  const deps = await ready;
  return isSqsEvent(event) ? handleDeferredBatch(event, context, deps) : handleEvent(event, context, deps);
}
