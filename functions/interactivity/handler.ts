/**
 * Lambda entry point of the Slack interactivity endpoint (a Lambda function URL,
 * infra/constructs/interactivity.ts). One function, two halves:
 *
 * | event                                   | half                       | answers                     |
 * |-----------------------------------------|----------------------------|-----------------------------|
 * | function URL request (payload v2.0)     | receive.ts: verify, check, | Slack, within 3 s           |
 * |                                         | hand off                   |                             |
 * | `{ uiaInteractionJob }` (async invoke)  | perform.ts: the slow work  | nobody (Lambda retries it)  |
 *
 * Hand-off by asynchronous self-invoke (`InvocationType: Event`) rather than SQS or
 * EventBridge: one function and one permission (`lambda:InvokeFunction` on itself); Lambda's
 * async queue retries twice and keeps failures in the function's on-failure queue; and the
 * invoke returns in tens of milliseconds, inside Slack's 3 seconds. An SQS queue would add a
 * second resource and event source mapping for the same guarantees.
 *
 * Environment: config.ts. Secrets (signing secret, bot token) are read from Secrets Manager
 * at run time through Powertools Parameters (cached 5 minutes), never from the environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { Context } from 'aws-lambda';
import { ruleSet } from '../../rules';
import { effectiveSamplingRate } from '../../rules/sampling-rate';
import { createIncidentStore } from '../shared/incidents/store';
import { createLogger } from '../shared/logger';
import { invocationBudget } from '../notifier/budget';
import { noProbe, realSleep } from '../notifier/ports';
import { createSlackApi } from '../notifier/slack-api';
import { createSlackTokenSource } from '../notifier/slack-token';
import { loadInteractivityConfig } from './config';
import { fromFunctionUrl, isJobEvent, type FunctionUrlEvent, type FunctionUrlResult } from './function-url';
import { perform, type PerformDeps } from './perform';
import { receive, type Job, type ReceiveDeps } from './receive';
import { createReplayGuard } from './replay-guard';
import { createGroupMembers, createResponder } from './responder-slack';

const SECRET_MAX_AGE_SECONDS = 300;
const clock = () => new Date();

function runtime() {
  const config = loadInteractivityConfig();
  const logger = createLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'interactivity' });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
  const token = createSlackTokenSource({
    provider: secrets,
    secretId: config.slackTokenSecretId,
    maxAgeSeconds: SECRET_MAX_AGE_SECONDS,
  });
  const store = createIncidentStore({ doc, tableName: config.tableName, now: clock });
  const lambda = new LambdaClient({});
  const rule = (id: string) => ruleSet.rules.find((r) => r.id === id);
  const receiveDeps: ReceiveDeps = {
    signingSecret: async () => {
      const value = await secrets.get(config.signingSecretId, {
        maxAge: SECRET_MAX_AGE_SECONDS,
        throwOnMissing: true,
      });
      if (typeof value !== 'string' || value.trim() === '') {
        throw new Error(`signing secret "${config.signingSecretId}" is not a plain string`);
      }
      return value.trim();
    },
    replay: createReplayGuard({ doc, tableName: config.tableName }),
    incidents: store.incidents,
    rule,
    groupMembers: createGroupMembers({ token, slackApiUrl: config.slackApiUrl, now: clock }),
    handOff: async (job: Job) => {
      if (!config.workerFunctionName)
        throw new Error('no worker function name (AWS_LAMBDA_FUNCTION_NAME unset)');
      await lambda.send(
        new InvokeCommand({
          FunctionName: config.workerFunctionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify({ uiaInteractionJob: job })),
        }),
      );
    },
    now: clock,
    logger,
  };
  const performDeps = (context: Context): PerformDeps => ({
    store,
    slack: createSlackApi({
      token,
      slackApiUrl: config.slackApiUrl,
      sleep: realSleep,
      random: Math.random,
      logger,
    }),
    rule,
    respond: createResponder({ responseUrlBase: config.responseUrlBase }),
    claims: { owner: context.awsRequestId, now: clock, sleep: realSleep, probe: noProbe },
    budget: invocationBudget(context, clock),
    now: clock,
    logger,
    samplingRate: config.samplingRate ?? effectiveSamplingRate(ruleSet),
  });
  return { receiveDeps, performDeps, logger };
}

let ready: ReturnType<typeof runtime> | undefined;

export async function handler(
  event: FunctionUrlEvent | { uiaInteractionJob: Job },
  context: Context,
): Promise<FunctionUrlResult | { outcome: string }> {
  ready ??= runtime();
  if (isJobEvent(event))
    return { outcome: await perform(event.uiaInteractionJob, ready.performDeps(context)) };
  const answer = await receive(fromFunctionUrl(event), ready.receiveDeps);
  return { statusCode: answer.statusCode, headers: { 'content-type': 'text/plain' }, body: answer.body };
}
