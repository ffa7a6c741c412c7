/**
 * What both digest entries build once per container: configuration, clients, store and logger.
 * The entries differ only in whether they can send the HTML version (handler-html.ts passes an
 * SES sender factory; handler.ts passes none and so never loads the SES client).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadDeployedRuleSet } from '../shared/deployed-rules';
import { ConfigError } from '../shared/errors';
import { createIncidentStore } from '../shared/incidents/store';
import { createLogger } from '../shared/logger';
import { tracingFromEnv, type Tracing } from '../shared/tracing';
import { loadDigestConfig, runTime } from './config';
import type { HtmlDigestSender } from './deliver';
import { runDigest, type DigestRunDeps } from './run';

export type HtmlSenderFactory = (from: string, tracing: Tracing) => HtmlDigestSender;

const clock = () => new Date();

export async function digestRuntime(html: HtmlSenderFactory | undefined): Promise<DigestRunDeps> {
  // From the deployment (the construct's rule-set layer), never from this bundle.
  const ruleSet = loadDeployedRuleSet();
  const config = loadDigestConfig(ruleSet.digest);
  if (config.sender !== undefined && html === undefined) {
    throw new ConfigError([
      'DIGEST_SENDER is set, but this is the text-only digest bundle (functions/digest/handler.ts): deploy functions/digest/handler-html.ts, as the digest construct does when the rule set names a sender',
    ]);
  }
  const logger = createLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'digest' });
  const tracing = await tracingFromEnv(process.env, {
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  });
  const dynamo = tracing.captureClient(new DynamoDBClient({}));
  const doc = DynamoDBDocumentClient.from(dynamo);
  return {
    incidents: createIncidentStore({
      doc,
      tableName: config.tableName,
      now: clock,
      retention: ruleSet.retention,
    }),
    config: config.digest,
    rules: ruleSet.rules,
    delivery: {
      sns: tracing.captureClient(new SNSClient({})),
      topicArn: config.topicArn,
      html: config.sender === undefined || html === undefined ? undefined : html(config.sender, tracing),
    },
    logger,
  };
}

/** The Lambda handler over a runtime promise (init errors surface on each invocation). */
export function digestHandler(ready: Promise<DigestRunDeps>) {
  ready.catch(() => undefined);
  return async (event: unknown) => {
    const deps = await ready;
    const { figures, delivery } = await runDigest(deps, runTime(event, clock));
    return {
      periodStart: figures.period.start.toISOString(),
      periodEnd: figures.period.end.toISOString(),
      incidents: figures.incidents,
      ...delivery,
    };
  };
}
