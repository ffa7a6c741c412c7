/**
 * The Slack interactivity function in the local run, wired as in AWS
 * (infra/constructs/interactivity.ts): a function URL (here an HTTP endpoint that turns each
 * request into the payload-2.0 event Lambda sends), its asynchronous self-invoke through the
 * Lambda Invoke stand-in, and the signing secret in the Secrets Manager stand-in.
 *
 * The on-call responder of the default story (`acknowledgeAfterMs`): once the first page of a
 * `page`-severity rule has been in Slack that long (virtual time), they press Acknowledge on
 * it, through the Slack stand-in's signed click (local/slack-click.ts), as Slack would send it.
 */
import { randomBytes } from 'node:crypto';
import type { RuleSet } from '../../rules/schema';
import type { FunctionUrlEvent } from '../../functions/interactivity/function-url';
import { ROOT_ACTION } from '../../templates/slack-actions';
import { startHttpServer, type HttpReply, type HttpRequest } from '../http-server';
import { startLambdaServer, type LambdaServer } from '../lambda-server';
import type { LambdaFunction, LambdaRunner } from '../lambda-runner';
import { buttonOf, sendClick, signedClick } from '../slack-click';
import type { SlackServer } from '../slack-server';
import { fromSource, repoFile, type EntryLoader } from './bundles';
import type { LocalServices } from './services';

export const INTERACTIVITY_FUNCTION = 'uia-slack-interactivity';
export const LOCAL_RESPONDER = { id: 'U0ONCALL01', username: 'oncall' };

export interface LocalInteractivity {
  /** The function URL Slack would be configured with. */
  url: string;
  fn: LambdaFunction<unknown, unknown>;
  /** Every click sent, with the endpoint's answer. */
  clicks: Array<{ actionId: string; at: string; status: number }>;
  /** Called every virtual minute: the responder acts when it is time. */
  onMinute(now: Date): Promise<void>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startInteractivity(options: {
  svc: LocalServices;
  slack: SlackServer;
  runner: LambdaRunner;
  dynamoEndpoint: string;
  loader?: EntryLoader;
  ruleSet: RuleSet;
  /** When the responder acknowledges the first page; undefined: nobody clicks. */
  acknowledgeAfterMs?: number | undefined;
  now: () => number;
}): Promise<LocalInteractivity> {
  const { svc, slack, runner } = options;
  const loader = options.loader ?? fromSource;
  const signingSecretId = `${svc.names.slackSecretId.replace(/slack-bot-token$/, '')}slack-signing-secret`;
  const signingSecret = randomBytes(16).toString('hex');
  svc.secrets.setSecret(signingSecretId, signingSecret);

  const env: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: 'interactivity',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ALERTS_TABLE_NAME: svc.names.alertsTable,
    SLACK_SIGNING_SECRET_ID: signingSecretId,
    SLACK_TOKEN_SECRET_ID: svc.names.slackSecretId,
    SLACK_API_URL: slack.apiUrl,
    SLACK_RESPONSE_URL_BASE: `${slack.url}/actions/`,
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: svc.secrets.url,
  };
  const fn: LambdaFunction<unknown, unknown> = {
    name: INTERACTIVITY_FUNCTION,
    load: async () =>
      (
        await loader(
          repoFile('functions/interactivity/handler.ts'),
          () => import('../../functions/interactivity/handler'),
        )
      ).handler as LambdaFunction<unknown, unknown> extends { load: () => Promise<infer H> } ? H : never,
    memoryMb: 512,
    timeoutSeconds: 30,
    env,
  };
  const lambda: LambdaServer = await startLambdaServer({ runner, functions: [{ fn }], now: options.now });
  env.AWS_ENDPOINT_URL_LAMBDA = lambda.url;

  const endpoint = await startHttpServer(async (request: HttpRequest): Promise<HttpReply> => {
    const invocation = await runner.invokeAsync(fn, functionUrlEvent(request));
    const result = invocation.result as { statusCode?: number; body?: string } | undefined;
    if (invocation.error || !result?.statusCode) {
      return { status: 502, headers: { 'content-type': 'text/plain' }, body: 'Internal Server Error' };
    }
    return { status: result.statusCode, headers: { 'content-type': 'text/plain' }, body: result.body ?? '' };
  });

  const pagingRules = new Set(options.ruleSet.rules.filter((r) => r.severity === 'page').map((r) => r.id));
  const clicks: LocalInteractivity['clicks'] = [];
  let acknowledged = false;
  return {
    url: `${endpoint.url}/`,
    fn,
    clicks,
    async onMinute(now) {
      if (acknowledged || options.acknowledgeAfterMs === undefined) return;
      const root = firstPageRoot(slack, pagingRules);
      if (!root || now.getTime() - Number(root.ts) * 1000 < options.acknowledgeAfterMs) return;
      acknowledged = true;
      const click = signedClick({
        slack,
        message: root,
        actionId: ROOT_ACTION.acknowledge,
        user: LOCAL_RESPONDER,
        secret: signingSecret,
        at: now,
      });
      const answer = await sendClick(`${endpoint.url}/`, click);
      clicks.push({ actionId: ROOT_ACTION.acknowledge, at: now.toISOString(), status: answer.status });
    },
    idle: async () => lambda.idle(),
    async close() {
      await Promise.allSettled([endpoint.close(), lambda.close()]);
    },
  };
}

/**
 * The oldest root still offering Acknowledge whose incident (the root's metadata) belongs to a
 * `page`-severity rule: the page that woke someone. Incident ids are `<ruleId>@<first fired>`.
 */
function firstPageRoot(slack: SlackServer, pagingRules: ReadonlySet<string>) {
  const roots = slack
    .channels()
    .flatMap((c) => slack.messages(c.id))
    .filter((m) => {
      const id = m.metadata?.event_payload.incident_id;
      return (
        typeof id === 'string' &&
        !id.endsWith('#test') &&
        pagingRules.has(id.split('@')[0] ?? '') &&
        buttonOf(m, ROOT_ACTION.acknowledge) !== undefined
      );
    })
    .sort((a, b) => Number(a.ts) - Number(b.ts));
  return roots[0];
}

/** A Lambda function URL event, payload format 2.0, as Lambda builds it for a form POST. */
function functionUrlEvent(request: HttpRequest): FunctionUrlEvent {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers[key.toLowerCase()] = value;
  }
  const type = headers['content-type'] ?? '';
  const text = type.startsWith('text/') || type.includes('json');
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: request.query.toString(),
    headers,
    requestContext: {
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
    },
    body: text ? request.body.toString('utf8') : request.body.toString('base64'),
    isBase64Encoded: !text,
  };
  return event;
}
