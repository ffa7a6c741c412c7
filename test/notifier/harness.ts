/**
 * The notifier's outside world, all real wire protocols on loopback: DynamoDB (dynalite), the
 * Slack Web API, SNS, X-Ray (with the real filter compiler and seeded traces), Secrets Manager,
 * EventBridge (PutEvents) and SQS. `deps()` builds exactly what handler.ts builds, with the
 * real SDK clients pointed here, so tests run the code that ships.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { XRayClient } from '@aws-sdk/client-xray';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { createAlertsTable } from '../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import {
  createEventBus,
  startEventBridgeServer,
  type BusEvent,
  type EventBus,
  type EventBridgeServer,
} from '../../local/event-bus';
import { startSecretsServer, type SecretsServer } from '../../local/secrets-server';
import { startSlackServer, type SlackServer } from '../../local/slack-server';
import { startSnsServer, topicArn, type SnsServer } from '../../local/sns-server';
import { createTraceStore, type TraceStore } from '../../local/trace-store';
import { startXRayServer, type XRayServer } from '../../local/xray-server';
import { ruleSet as shippedRuleSet } from '../../rules';
import { compileFilter } from '../../rules/filter';
import type { Trace } from '../../rules/filter/trace';
import { groupName, INCIDENT_UPDATED_DETAIL_TYPE, projectEventSource } from '../../rules/names';
import type { RuleSet } from '../../rules/schema';
import { createIncidentStore, type IncidentStore } from '../../functions/shared/incidents/store';
import type { HandleDeps } from '../../functions/notifier/handle-event';
import { recordingLogger, type LogLine } from '../../functions/notifier/test-support';
import { createSlackApi } from '../../functions/notifier/slack-api';
import { createSlackTokenSource } from '../../functions/notifier/slack-token';
import { createTestAlertLimiter } from '../../functions/notifier/test-alert-limit';
import { startSqsServer, type SqsServer } from '../../local/sqs-server';
import { PLACEHOLDER_CREDENTIALS } from '../../local/sdk-client';

export const REGION = 'us-east-1';
export const CREDENTIALS = PLACEHOLDER_CREDENTIALS;
export const SLACK_SECRET = 'uia/slack-bot-token';
export const ONCALL_TOPIC = topicArn('uia-oncall');
export const INCIDENT_BUS = 'uia-incidents';
export const DLQ = 'uia-notifier-dlq';
export const DEFERRAL = 'uia-notifier-deferred';
export const WINDOW_MS = 15 * 60_000;

export interface Harness {
  dynamo: LocalDynamoDb;
  slack: SlackServer;
  sns: SnsServer;
  xray: XRayServer;
  traces: TraceStore;
  secrets: SecretsServer;
  bus: EventBus;
  eventBridge: EventBridgeServer;
  sqs: SqsServer;
  /** The clock SQS delays run on (real time unless a test sets its own). */
  setClock(now: () => Date): void;
  /** `Incident Updated` events that reached the project bus. */
  incidentEvents(): BusEvent[];
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const traces = createTraceStore();
  let sqsClock = () => new Date();
  const [dynamo, slack, sns, xray, sqs] = await Promise.all([
    startLocalDynamoDb(),
    startSlackServer({ channels: shippedRuleSet.routing.slackChannels.map((c) => ({ name: c.name })) }),
    startSnsServer({ topics: [ONCALL_TOPIC] }),
    startXRayServer({
      store: traces,
      compile: compileFilter,
      groups: shippedRuleSet.rules.map((r) => ({
        name: groupName(shippedRuleSet.namePrefix, r.id),
        filterExpression: r.group.filterExpression,
        insightsEnabled: r.group.insights,
      })),
    }),
    startSqsServer({
      queues: [
        DLQ,
        { name: DEFERRAL, visibilityTimeoutSeconds: 360, deadLetter: { queue: DLQ, maxReceiveCount: 5 } },
      ],
      now: () => sqsClock().getTime(),
    }),
  ]);
  const secrets = await startSecretsServer({ secrets: { [SLACK_SECRET]: slack.token } });
  const bus = createEventBus({ busNames: ['default', INCIDENT_BUS] });
  const received: BusEvent[] = [];
  bus.addTarget({
    id: 'incident-events',
    busName: INCIDENT_BUS,
    pattern: { source: [projectEventSource('uia')], 'detail-type': [INCIDENT_UPDATED_DETAIL_TYPE] },
    handler: (event) => {
      received.push(event);
    },
  });
  const eventBridge = await startEventBridgeServer(bus);
  return {
    dynamo,
    slack,
    sns,
    xray,
    traces,
    secrets,
    bus,
    eventBridge,
    sqs,
    setClock: (now) => {
      sqsClock = now;
    },
    incidentEvents: () => [...received],
    close: async () => {
      await Promise.allSettled([dynamo, slack, sns, xray, secrets, eventBridge, sqs].map((s) => s.close()));
    },
  };
}

let tables = 0;

/**
 * GetTraceSummaries calls a second in these tests: the stand-in answers in milliseconds and
 * shares no account limit, so rules read it at the schema's ceiling instead of the default 5 a
 * second meant for AWS. (At 5 a second a test alert's 15-minute window, 90 sub-windows, would
 * take 18 s of real time to read.) Tests of throttling and continuations still see the rate
 * halve and the reading stop at its deadline. On a fake clock (`sleep` injected) it keeps the
 * rate's waits, which the clock adds up, from pushing the page email past its wait.
 */
export const STAND_IN_XRAY_RATE = 50;

/** The rule set as these tests run it: every rule reading X-Ray at STAND_IN_XRAY_RATE. */
export function atStandInRate(ruleSet: RuleSet): RuleSet {
  return {
    ...ruleSet,
    rules: ruleSet.rules.map((r) => ({
      ...r,
      enrichment: { ...r.enrichment, xrayRequestsPerSecond: STAND_IN_XRAY_RATE },
    })),
  };
}

export interface DepsOptions {
  ruleSet?: RuleSet;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Publish `Incident Updated` to this bus (default INCIDENT_BUS); `null` for none. */
  incidentBus?: string | null;
  /** Crash points (functions/notifier/ports.ts). */
  probe?: HandleDeps['probe'];
}

export interface TestDeps extends HandleDeps {
  store: IncidentStore;
  tableName: string;
  lines: LogLine[];
}

/** Fresh table per call, so each test sees only its own incidents. */
export async function notifierDeps(h: Harness, options: DepsOptions = {}): Promise<TestDeps> {
  const tableName = `alerts-${++tables}`;
  await createAlertsTable(h.dynamo.client, tableName);
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const logger = recordingLogger();
  const aws = { region: REGION, credentials: CREDENTIALS };
  const secrets = new SecretsProvider({
    awsSdkV3Client: new SecretsManagerClient({ ...aws, endpoint: h.secrets.url }),
  });
  const bus = options.incidentBus === undefined ? INCIDENT_BUS : options.incidentBus;
  return {
    tableName,
    lines: logger.lines,
    ruleSet: atStandInRate(options.ruleSet ?? shippedRuleSet),
    // The fixtures' account.
    eventAccounts: ['123456789012'],
    testAlertLimiter: createTestAlertLimiter({
      doc: h.dynamo.doc,
      tableName,
      maxPerRulePerHour: (options.ruleSet ?? shippedRuleSet).testAlerts.maxPerRulePerHour,
    }),
    store: createIncidentStore({ doc: h.dynamo.doc, tableName, now, sleep }),
    slack: createSlackApi({
      token: createSlackTokenSource({ provider: secrets, secretId: SLACK_SECRET, maxAgeSeconds: 300 }),
      slackApiUrl: h.slack.apiUrl,
      sleep,
      random: () => 0.5,
      logger,
    }),
    sns: new SNSClient({ ...aws, endpoint: h.sns.url }),
    onCallTopicArn: ONCALL_TOPIC,
    incidentEvents:
      bus === null
        ? undefined
        : { eventBridge: new EventBridgeClient({ ...aws, endpoint: h.eventBridge.url }), busName: bus },
    sqs: new SQSClient({ ...aws, endpoint: h.sqs.url }),
    deadLetterQueueUrl: h.sqs.queueUrl(DLQ),
    deferralQueueUrl: h.sqs.queueUrl(DEFERRAL),
    reopenWindowMs: WINDOW_MS,
    ...(options.probe ? { probe: options.probe } : {}),
    xray: new XRayClient({ ...aws, endpoint: h.xray.url, maxAttempts: 1 }),
    now,
    sleep,
    random: () => 0.5,
    logger,
  };
}

/** A Lambda context with `ms` left (real time). */
export function lambdaContext(ms = 60_000, requestId = 'req-1') {
  const deadline = Date.now() + ms;
  return { awsRequestId: requestId, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

/** A trace of a registered user's faulted cart request at `startMs`. */
export function faultTrace(n: number, username: string, startMs: number): Trace {
  const seconds = startMs / 1000;
  return {
    id: `1-${Math.floor(seconds).toString(16)}-${String(n).padStart(24, '0')}`,
    startTime: seconds,
    duration: 0.3,
    responseTime: 0.3,
    http: { status: 500, url: 'https://api.example.com/prod/cart', method: 'POST' },
    fault: true,
    error: false,
    throttle: false,
    partial: false,
    users: [],
    annotations: { username: [username] },
    services: [{ name: 'shop-api/prod', type: 'AWS::ApiGateway::Stage', root: true }],
    availabilityZones: [],
    instanceIds: [],
    resourceArns: [],
  };
}
