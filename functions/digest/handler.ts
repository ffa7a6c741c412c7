/**
 * Lambda entry point of the manager digest, run by an EventBridge Scheduler schedule. Wiring
 * only: configuration, clients and the logger are built once per container; the work is
 * `runDigest` (run.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ruleSet } from '../../rules';
import { createIncidentStore } from '../shared/incidents/store';
import { createLogger } from '../shared/logger';
import { tracingFromEnv } from '../shared/tracing';
import { loadDigestConfig, runTime } from './config';
import { runDigest, type DigestRunDeps } from './run';

const clock = () => new Date();

async function digestRuntime(): Promise<DigestRunDeps> {
  const config = loadDigestConfig(ruleSet.digest);
  const logger = createLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'digest' });
  const tracing = await tracingFromEnv(process.env, {
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  });
  const dynamo = tracing.captureClient(new DynamoDBClient({}));
  const doc = DynamoDBDocumentClient.from(dynamo);
  return {
    incidents: createIncidentStore({ doc, tableName: config.tableName, now: clock }),
    config: config.digest,
    rules: ruleSet.rules,
    delivery: {
      sns: tracing.captureClient(new SNSClient({})),
      ses: config.sender === undefined ? undefined : tracing.captureClient(new SESv2Client({})),
      topicArn: config.topicArn,
      sender: config.sender,
    },
    logger,
  };
}

const ready = digestRuntime();
// Init errors surface on the invocation (logged, counted as errors), not as an unhandled rejection.
ready.catch(() => undefined);

export async function handler(event: unknown) {
  const deps = await ready;
  const { figures, delivery } = await runDigest(deps, runTime(event, clock));
  return {
    periodStart: figures.period.start.toISOString(),
    periodEnd: figures.period.end.toISOString(),
    incidents: figures.incidents,
    ...delivery,
  };
}
