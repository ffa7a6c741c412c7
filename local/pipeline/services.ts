/**
 * Starts every local stand-in the pipeline needs, on ephemeral loopback ports, and closes all of
 * them (whatever failed) in reverse order. Nothing here is project logic: these replace AWS
 * services, Cognito and Slack.
 */
import { CART_TABLE_KEYS } from '../../functions/cart/cart-store';
import { compileFilter } from '../../rules/filter';
import { groupName, incidentBusName } from '../../rules/names';
import type { RuleSet } from '../../rules/schema';
import { createAlertsTable } from '../alerts-table';
import { IDEAL_TIMING, type AwsTiming } from '../aws-timing';
import type { AwsAccount } from '../cloudwatch/alarm-event';
import { startDynamoFaultProxy, type DynamoFaultProxy } from '../dynamo-fault-proxy';
import { startLocalDynamoDb, type LocalDynamoDb } from '../dynamodb';
import { createEventBus, startEventBridgeServer, type EventBridgeServer, type EventBus } from '../event-bus';
import { startLocalIdentity, type LocalIdentity } from '../identity';
import { createSegmentEmitter, type SegmentEmitter } from '../lambda-runner';
import { startSecretsServer, type SecretsServer } from '../secrets-server';
import { startSlackServer, type SlackServer } from '../slack-server';
import { startSnsServer, topicArn, type SnsServer } from '../sns-server';
import { createTraceStore, type TraceStore } from '../trace-store';
import { startXRayDaemon, type XRayDaemon } from '../xray-daemon';
import { startXRayServer, type XRayServer } from '../xray-server';
import type { ApiStage } from './api-gateway-event';
import { startSqsServer, type SqsServer } from '../sqs-server';

export const ACCOUNT: AwsAccount = { account: '000000000000', region: 'us-east-1' };

export const STAGE: ApiStage = {
  apiId: 'shop0local',
  name: 'shop-api',
  stage: 'prod',
  account: ACCOUNT.account,
  region: ACCOUNT.region,
};

export interface LocalNames {
  cartsTable: string;
  alertsTable: string;
  onCallTopicArn: string;
  digestTopicArn: string;
  slackSecretId: string;
  incidentBus: string;
  deadLetterQueueName: string;
  deadLetterQueueUrl: string;
}

export interface LocalServices {
  names: LocalNames;
  dynamo: LocalDynamoDb;
  proxy: DynamoFaultProxy;
  identity: LocalIdentity;
  store: TraceStore;
  daemon: XRayDaemon;
  emitter: SegmentEmitter;
  xray: XRayServer;
  /** Undefined when a real Slack workspace is used. */
  slack: SlackServer | undefined;
  sns: SnsServer;
  secrets: SecretsServer;
  bus: EventBus;
  eventBridge: EventBridgeServer;
  /** The notifier's dead-letter queue. */
  sqs: SqsServer;
  close(): Promise<void>;
}

export interface ServicesOptions {
  ruleSet: RuleSet;
  /** Copies of every event the bus delivers. */
  duplicates: number;
  /** Moves the virtual clock (the fault proxy's slow requests). */
  advanceClock: (ms: number) => void;
  /** A real Slack bot token: then no local Slack is started and the secret holds this token. */
  realSlackToken?: string | undefined;
  /** AWS-like timing of the X-Ray and Slack stand-ins (default: ideal, none). */
  timing?: AwsTiming;
  /** Seed of the stand-ins' timing draws. */
  seed?: number;
}

export async function startLocalServices(options: ServicesOptions): Promise<LocalServices> {
  const { ruleSet } = options;
  const timing = options.timing ?? IDEAL_TIMING;
  const prefix = ruleSet.namePrefix;
  const names: Omit<LocalNames, 'deadLetterQueueName' | 'deadLetterQueueUrl'> = {
    cartsTable: `${prefix}-shop-carts`,
    alertsTable: `${prefix}-alerts`,
    onCallTopicArn: topicArn(`${prefix}-oncall`, ACCOUNT.region, ACCOUNT.account),
    digestTopicArn: topicArn(`${prefix}-digest`, ACCOUNT.region, ACCOUNT.account),
    slackSecretId: `${prefix}/slack-bot-token`,
    incidentBus: incidentBusName(prefix),
  };
  const closers: Array<() => Promise<unknown>> = [];
  const started = <T extends { close(): Promise<unknown> }>(service: T): T => {
    closers.push(() => service.close());
    return service;
  };
  const close = async () => {
    const results = await Promise.allSettled(closers.reverse().map((c) => c()));
    closers.length = 0;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  try {
    const store = createTraceStore();
    const [dynamo, identity, daemon, sns] = await Promise.all([
      startLocalDynamoDb({ tables: [{ name: names.cartsTable, ...CART_TABLE_KEYS }] }).then(started),
      startLocalIdentity().then(started),
      startXRayDaemon({ store }).then(started),
      startSnsServer({ topics: [names.onCallTopicArn, names.digestTopicArn] }).then(started),
    ]);
    await createAlertsTable(dynamo.client, names.alertsTable);
    const proxy = started(
      await startDynamoFaultProxy({
        target: dynamo.endpoint,
        cartsTable: names.cartsTable,
        advanceClock: options.advanceClock,
      }),
    );
    const emitter = started(createSegmentEmitter(daemon.address));
    const xray = started(
      await startXRayServer({
        store,
        compile: compileFilter,
        groups: ruleSet.rules.map((rule) => ({
          name: groupName(prefix, rule.id),
          filterExpression: rule.group.filterExpression,
          insightsEnabled: rule.group.insights,
          notificationsEnabled: rule.group.insights && rule.group.insightNotifications,
        })),
        timing: {
          indexing: timing.xrayIndexing,
          paging: timing.xrayPaging,
          latency: timing.xrayLatency,
          rateLimit: timing.xrayRateLimit,
        },
        advanceClock: options.advanceClock,
        seed: options.seed ?? 0,
      }),
    );
    const slack = options.realSlackToken
      ? undefined
      : started(
          await startSlackServer({
            channels: ruleSet.routing.slackChannels.map((c) => ({
              name: c.name,
              ...(c.id ? { id: c.id } : {}),
            })),
            rateLimit: timing.slackRateLimit,
          }),
        );
    const secrets = started(
      await startSecretsServer({
        secrets: { [names.slackSecretId]: options.realSlackToken ?? slack?.token ?? '' },
        region: ACCOUNT.region,
        account: ACCOUNT.account,
      }),
    );
    const bus = createEventBus({
      // The notifier puts `Incident Updated` on the project's own bus, as it does in AWS.
      busNames: ['default', names.incidentBus],
      account: ACCOUNT.account,
      region: ACCOUNT.region,
      duplicates: { copies: options.duplicates, concurrent: false },
      // Lambda's async retries wait minutes; here they go at once (wall time matters, virtual does not).
      retry: { retries: 2, delayMs: 0 },
    });
    const eventBridge = started(await startEventBridgeServer(bus));
    const deadLetterQueue = `${prefix}-notifier-dlq`;
    const sqs = started(await startSqsServer({ queues: [deadLetterQueue] }));
    return {
      names: {
        ...names,
        deadLetterQueueName: deadLetterQueue,
        deadLetterQueueUrl: sqs.queueUrl(deadLetterQueue),
      },
      sqs,
      dynamo,
      proxy,
      identity,
      store,
      daemon,
      emitter,
      xray,
      slack,
      sns,
      secrets,
      bus,
      eventBridge,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
