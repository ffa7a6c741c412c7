/**
 * Starts every local stand-in the pipeline needs, on ephemeral loopback ports, and closes all of
 * them (whatever failed) in reverse order. Nothing here is project logic: these replace AWS
 * services, Cognito and Slack.
 */
import { CART_TABLE_KEYS } from '../../functions/cart/cart-store';
import { compileFilter } from '../../rules/filter';
import { groupName, incidentBusName } from '../../rules/names';
import { PUT_EVENTS, eventBusArn } from '../../rules/test-alert-access';
import type { RuleSet } from '../../rules/schema';
import { createAlertsTable } from '../alerts-table';
import { writeRuleSetFile } from '../rule-set-file';
import { IDEAL_TIMING, type AwsTiming } from '../aws-timing';
import type { AwsAccount } from '../cloudwatch/alarm-event';
import { startDynamoFaultProxy, type DynamoFaultProxy } from '../dynamo-fault-proxy';
import { startLocalDynamoDb, type LocalDynamoDb } from '../dynamodb';
import { createEventBus, startEventBridgeServer, type EventBridgeServer, type EventBus } from '../event-bus';
import { roleSessionPrincipal, type LocalPrincipal } from '../iam-policy';
import { eventsAdministrator, testAlertBus, testAlertSender } from '../test-alert-bus';
import { startLocalIdentity, type LocalIdentity } from '../identity';
import { createSegmentEmitter, type SegmentEmitter } from '../lambda-runner';
import { startOtlpReceiver, type OtlpReceiver } from '../otlp-receiver';
import { createSegmentSink } from '../segment-sink';
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

/**
 * Access keys the local EventBridge knows, each standing for the principal AWS would see: the
 * functions' role (the Lambda runner's `local` key), the test-alert sender role, and an account
 * administrator, whose `events:*` on `*` the test-alert bus policy still refuses.
 */
export const LOCAL_CREDENTIALS = {
  functions: { accessKeyId: 'local', secretAccessKey: 'local' },
  testAlertSender: { accessKeyId: 'ASIALOCALTESTALERTS', secretAccessKey: 'local' },
  administrator: { accessKeyId: 'AKIALOCALADMIN', secretAccessKey: 'local' },
} as const;

export function localPrincipals(
  prefix: string,
  account: string,
  region: string,
): Record<string, LocalPrincipal> {
  const incidentBus = eventBusArn('aws', region, account, incidentBusName(prefix));
  return {
    [LOCAL_CREDENTIALS.functions.accessKeyId]: roleSessionPrincipal(account, `${prefix}-notifier`, 'local', [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: PUT_EVENTS, Resource: incidentBus }] },
    ]),
    [LOCAL_CREDENTIALS.testAlertSender.accessKeyId]: testAlertSender(
      prefix,
      { account, region },
      'local-drill',
    ),
    [LOCAL_CREDENTIALS.administrator.accessKeyId]: eventsAdministrator(account, 'local-administrator'),
  };
}

export interface LocalNames {
  cartsTable: string;
  alertsTable: string;
  onCallTopicArn: string;
  digestTopicArn: string;
  slackSecretId: string;
  incidentBus: string;
  testAlertBus: string;
  deadLetterQueueName: string;
  deadLetterQueueUrl: string;
  /** The notifier's deferral queue (infra/constructs/notifier.ts). */
  deferralQueueName: string;
  deferralQueueUrl: string;
  /** The deployed rule set the notifier and digest read (`UIA_RULE_SET_FILE`). */
  ruleSetFile: string;
}

export interface LocalServices {
  names: LocalNames;
  dynamo: LocalDynamoDb;
  proxy: DynamoFaultProxy;
  identity: LocalIdentity;
  store: TraceStore;
  daemon: XRayDaemon;
  /** X-Ray's OTLP endpoint: the OpenTelemetry backend's spans, into the same traces as the daemon's. */
  otlp: OtlpReceiver;
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
  const names: Omit<
    LocalNames,
    'deadLetterQueueName' | 'deadLetterQueueUrl' | 'deferralQueueName' | 'deferralQueueUrl' | 'ruleSetFile'
  > = {
    cartsTable: `${prefix}-shop-carts`,
    alertsTable: `${prefix}-alerts`,
    onCallTopicArn: topicArn(`${prefix}-oncall`, ACCOUNT.region, ACCOUNT.account),
    digestTopicArn: topicArn(`${prefix}-digest`, ACCOUNT.region, ACCOUNT.account),
    slackSecretId: `${prefix}/slack-bot-token`,
    incidentBus: incidentBusName(prefix),
    testAlertBus: testAlertBus(prefix, ACCOUNT).busName,
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
    const sink = createSegmentSink(store);
    const ruleSetFile = started(await writeRuleSetFile(ruleSet));
    const [dynamo, identity, daemon, otlp, sns] = await Promise.all([
      startLocalDynamoDb({ tables: [{ name: names.cartsTable, ...CART_TABLE_KEYS }] }).then(started),
      startLocalIdentity().then(started),
      startXRayDaemon({ store, sink }).then(started),
      startOtlpReceiver({ store, sink }).then(started),
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
      // The notifier puts `Incident Updated` on the project's own bus, as it does in AWS; test
      // alerts arrive on theirs, behind the same bus policy the alerting stack deploys.
      busNames: ['default', names.incidentBus, names.testAlertBus],
      busPolicies: testAlertBus(prefix, ACCOUNT).busPolicies,
      account: ACCOUNT.account,
      region: ACCOUNT.region,
      duplicates: { copies: options.duplicates, concurrent: false },
      // Lambda's async retries wait minutes; here they go at once (wall time matters, virtual does not).
      retry: { retries: 2, delayMs: 0 },
    });
    const eventBridge = started(
      await startEventBridgeServer(bus, {
        principals: localPrincipals(prefix, ACCOUNT.account, ACCOUNT.region),
      }),
    );
    const deadLetterQueue = `${prefix}-notifier-dlq`;
    const deferralQueue = `${prefix}-notifier-deferred`;
    // As the stack configures them: visibility 6 × the function timeout, redrive after 5 receives.
    const sqs = started(
      await startSqsServer({
        queues: [
          deadLetterQueue,
          {
            name: deferralQueue,
            visibilityTimeoutSeconds: 360,
            deadLetter: { queue: deadLetterQueue, maxReceiveCount: 5 },
          },
        ],
        // 14 days, as infra/constructs/notifier.ts configures the real DLQ.
        retentionSeconds: 14 * 86_400,
      }),
    );
    return {
      names: {
        ...names,
        deadLetterQueueName: deadLetterQueue,
        deadLetterQueueUrl: sqs.queueUrl(deadLetterQueue),
        deferralQueueName: deferralQueue,
        deferralQueueUrl: sqs.queueUrl(deferralQueue),
        ruleSetFile: ruleSetFile.path,
      },
      sqs,
      dynamo,
      proxy,
      identity,
      store,
      daemon,
      otlp,
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
