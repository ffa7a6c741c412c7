/**
 * The Lambda functions the local pipeline runs, each with the configuration the stacks give it
 * in AWS, pointed at the local stand-ins through the SDK's standard `AWS_ENDPOINT_URL_<SERVICE>`
 * variables. Entry modules are imported, never re-implemented.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ApiFunction, Handler, LambdaFunction } from '../lambda-runner';
import type { ShopAction } from '../scenario/plan';
import type { LocalServices } from './services';
import { ROUTES } from '../scenario/shop-client';
import { fromSource, repoFile, type EntryLoader } from './bundles';

type ShopHandler = Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;

/** Static imports, so bundlers and the type checker see every entry. */
const SHOP_ENTRIES: Record<string, () => Promise<{ handler: ShopHandler }>> = {
  'list-products': () => import('../../functions/cart/entry/list-products'),
  'get-product': () => import('../../functions/cart/entry/get-product'),
  'list-cart': () => import('../../functions/cart/entry/list-cart'),
  'add-to-cart': () => import('../../functions/cart/entry/add-to-cart'),
  'update-cart': () => import('../../functions/cart/entry/update-cart'),
  'checkout-cart': () => import('../../functions/cart/entry/checkout-cart'),
  'migrate-cart': () => import('../../functions/cart/entry/migrate-cart'),
};

/** Every Lambda entry the pipeline runs, as repo files (what `--bundled` builds). */
export const LAMBDA_ENTRY_FILES: readonly string[] = [
  ...Object.keys(SHOP_ENTRIES).map((entry) => repoFile(`functions/cart/entry/${entry}.ts`)),
  repoFile('functions/notifier/handler.ts'),
  repoFile('functions/digest/handler.ts'),
  repoFile('functions/interactivity/handler.ts'),
];

export interface ShopEnvironment {
  /** The identity provider's variables (issuer, JWKS, client id, token use). */
  identity: Readonly<Record<string, string>>;
  cartsTable: string;
  /** The DynamoDB endpoint the shop's SDK uses: the fault proxy. */
  dynamoEndpoint: string;
}

export type ShopFunctions = Record<ShopAction, ApiFunction>;

export function shopFunctions(env: ShopEnvironment, loader: EntryLoader = fromSource): ShopFunctions {
  const byEntry = new Map<string, ApiFunction>();
  const fn = (entry: string): ApiFunction => {
    let spec = byEntry.get(entry);
    if (!spec) {
      const load = SHOP_ENTRIES[entry];
      if (!load) throw new Error(`no shop entry "${entry}"`);
      spec = {
        name: `shop-${entry}`,
        load: async () => (await loader(repoFile(`functions/cart/entry/${entry}.ts`), load)).handler,
        // infra/shop-stack.ts: 512 MB, 5 s.
        memoryMb: 512,
        timeoutSeconds: 5,
        env: {
          POWERTOOLS_SERVICE_NAME: 'shop',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          ...env.identity,
          TABLE_NAME: env.cartsTable,
          AWS_ENDPOINT_URL_DYNAMODB: env.dynamoEndpoint,
          // One attempt: the SDK's retries would sleep for real (wall time) between attempts
          // that the proxy fails all the same; the fault still ends as the function's 5xx.
          AWS_MAX_ATTEMPTS: '1',
        },
      };
      byEntry.set(entry, spec);
    }
    return spec;
  };
  return Object.fromEntries(
    Object.entries(ROUTES).map(([action, route]) => [action, fn(route.entry)]),
  ) as ShopFunctions;
}

/** Each distinct function once (several actions may share one). */
export function distinctFunctions(functions: ShopFunctions): ApiFunction[] {
  return [...new Set(Object.values(functions))];
}

export interface DigestEnvironment {
  alertsTable: string;
  /** The deployed rule set (local/rule-set-file.ts). */
  ruleSetFile: string;
  digestTopicArn: string;
  dynamoEndpoint: string;
  snsEndpoint: string;
}

export interface DigestResult {
  periodStart: string;
  periodEnd: string;
  incidents: number;
}

export function digestFunction(
  env: DigestEnvironment,
  loader: EntryLoader = fromSource,
): LambdaFunction<unknown, DigestResult> {
  return {
    name: 'uia-digest',
    load: async () =>
      (await loader(repoFile('functions/digest/handler.ts'), () => import('../../functions/digest/handler')))
        .handler,
    memoryMb: 256,
    timeoutSeconds: 60,
    env: {
      POWERTOOLS_SERVICE_NAME: 'digest',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ALERTS_TABLE_NAME: env.alertsTable,
      UIA_RULE_SET_FILE: env.ruleSetFile,
      DIGEST_TOPIC_ARN: env.digestTopicArn,
      DIGEST_SENDER: '',
      AWS_ENDPOINT_URL_DYNAMODB: env.dynamoEndpoint,
      AWS_ENDPOINT_URL_SNS: env.snsEndpoint,
    },
  };
}

export interface NotifierEnvironment {
  alertsTable: string;
  /** The deployed rule set (local/rule-set-file.ts), as the construct's layer holds it in AWS. */
  ruleSetFile: string;
  onCallTopicArn: string;
  slackSecretId: string;
  deadLetterQueueUrl: string;
  /** Deliveries that must wait (defer.ts). */
  deferralQueueUrl: string;
  /** Where `Incident Updated` events go. */
  incidentEventBus: string;
  /** The accounts whose events are the notifier's (the local bus's). */
  eventAccounts: readonly string[];
  /** The local Slack's API URL; undefined posts to the real Slack. */
  slackApiUrl: string | undefined;
  endpoints: {
    xray: string;
    sns: string;
    secretsManager: string;
    eventBridge: string;
    dynamodb: string;
    sqs: string;
  };
  timeoutSeconds?: number;
  /** The traced share pages state when the scenario's sampling is not the rule set's own. */
  samplingRate?: number | undefined;
}

/** The notifier function's name (the stack's `uia-notifier`). */
export const NOTIFIER_NAME = 'uia-notifier';

/** The notifier's configuration (functions/notifier/handler.ts documents every variable). */
export function notifierFunction(
  env: NotifierEnvironment,
  loader: EntryLoader = fromSource,
): LambdaFunction<unknown, unknown> {
  return {
    name: NOTIFIER_NAME,
    load: async () =>
      (
        await loader(
          repoFile('functions/notifier/handler.ts'),
          () => import('../../functions/notifier/handler'),
        )
      ).handler,
    memoryMb: 512,
    timeoutSeconds: env.timeoutSeconds ?? 30,
    env: {
      POWERTOOLS_SERVICE_NAME: 'notifier',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ALERTS_TABLE_NAME: env.alertsTable,
      UIA_RULE_SET_FILE: env.ruleSetFile,
      ONCALL_TOPIC_ARN: env.onCallTopicArn,
      SLACK_TOKEN_SECRET_ID: env.slackSecretId,
      DEAD_LETTER_QUEUE_URL: env.deadLetterQueueUrl,
      DEFERRAL_QUEUE_URL: env.deferralQueueUrl,
      INCIDENT_EVENT_BUS_NAME: env.incidentEventBus,
      EVENT_SOURCE_ACCOUNTS: env.eventAccounts.join(','),
      ...(env.slackApiUrl === undefined ? {} : { SLACK_API_URL: env.slackApiUrl }),
      ...(env.samplingRate === undefined ? {} : { TRACE_SAMPLING_RATE: String(env.samplingRate) }),
      AWS_ENDPOINT_URL_XRAY: env.endpoints.xray,
      AWS_ENDPOINT_URL_SNS: env.endpoints.sns,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: env.endpoints.secretsManager,
      AWS_ENDPOINT_URL_EVENTBRIDGE: env.endpoints.eventBridge,
      AWS_ENDPOINT_URL_DYNAMODB: env.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: env.endpoints.sqs,
    },
  };
}

/** The notifier wired to the stand-ins (DynamoDB through `dynamoEndpoint`). */
export function notifierEnvironment(svc: LocalServices, dynamoEndpoint: string): NotifierEnvironment {
  return {
    alertsTable: svc.names.alertsTable,
    ruleSetFile: svc.names.ruleSetFile,
    onCallTopicArn: svc.names.onCallTopicArn,
    slackSecretId: svc.names.slackSecretId,
    deadLetterQueueUrl: svc.names.deadLetterQueueUrl,
    deferralQueueUrl: svc.names.deferralQueueUrl,
    incidentEventBus: svc.names.incidentBus,
    eventAccounts: [svc.bus.account],
    slackApiUrl: svc.slack?.apiUrl,
    endpoints: {
      xray: svc.xray.url,
      sns: svc.sns.url,
      secretsManager: svc.secrets.url,
      eventBridge: svc.eventBridge.url,
      dynamodb: dynamoEndpoint,
      sqs: svc.sqs.url,
    },
  };
}
