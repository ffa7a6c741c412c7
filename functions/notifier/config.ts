/**
 * The notifier's environment, validated once at cold start (every problem listed at once).
 * Variables are documented in handler.ts; this file only says what a valid value is.
 *
 * Endpoints of AWS services are not configuration here: the SDK reads its standard
 * `AWS_ENDPOINT_URL_<SERVICE>` variables itself, so the local pipeline needs no custom code.
 * The Slack token is not configuration either: only the secret's *id* is, the value is read
 * from Secrets Manager at run time (slack-token.ts) and never enters the environment.
 */
import * as z from 'zod/mini';
import { parseEnv, type Env } from '../shared/config';

/**
 * A resolved incident whose alarm fires again within this window reopens (same thread, no
 * second email) instead of opening a new incident: a flapping alarm stays one conversation.
 * 15 minutes covers the usual flap of a one-minute alarm without gluing unrelated outages.
 */
export const DEFAULT_REOPEN_WINDOW_MINUTES = 15;
/**
 * How long the Slack token is cached. Powertools' default (5 s) would read the secret on
 * nearly every alert; 5 minutes bounds how long a rotated token takes to be picked up (an
 * `invalid_auth` also forces one fresh read, see deliver-slack.ts).
 */
export const DEFAULT_SLACK_TOKEN_MAX_AGE_SECONDS = 300;

const tableName = z.string().check(z.regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'not a DynamoDB table name'));
const topicArn = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'not an SNS topic ARN'));
const queueUrl = z.url({ protocol: /^https?$/, error: 'not an SQS queue URL' });
const busName = z.string().check(z.regex(/^[A-Za-z0-9._-]{1,256}$/, 'not an EventBridge bus name'));
const secretId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9/_+=.@:-]{1,2048}$/, 'not a Secrets Manager secret name or ARN'));
/** Comma-separated 12-digit account ids, the deployment's own first. */
const accountList = z
  .string()
  .check(z.regex(/^\d{12}(,\d{12})*$/, 'not a comma-separated list of 12-digit AWS account ids'));
const wholeNumber = (min: number, max: number) =>
  z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));

const envSchema = z.object({
  ALERTS_TABLE_NAME: tableName,
  ONCALL_TOPIC_ARN: topicArn,
  SLACK_TOKEN_SECRET_ID: secretId,
  DEAD_LETTER_QUEUE_URL: queueUrl,
  EVENT_SOURCE_ACCOUNTS: accountList,
  DEFERRAL_QUEUE_URL: z.optional(queueUrl),
  INCIDENT_EVENT_BUS_NAME: z.optional(busName),
  SLACK_API_URL: z.optional(z.url({ protocol: /^https?$/ })),
  REOPEN_WINDOW_MINUTES: z.optional(wholeNumber(0, 24 * 60)),
  SLACK_TOKEN_MAX_AGE_SECONDS: z.optional(wholeNumber(0, 24 * 60 * 60)),
  TRACE_SAMPLING_RATE: z.optional(z.coerce.number().check(z.gt(0), z.maximum(1))),
});

export interface NotifierConfig {
  tableName: string;
  onCallTopicArn: string;
  slackTokenSecretId: string;
  deadLetterQueueUrl: string;
  /** Accounts whose alarm, Insight and test events are ours; all others are ignored. */
  eventAccounts: string[];
  /** Undefined: deliveries that must wait fail the invocation retryably instead of deferring. */
  deferralQueueUrl: string | undefined;
  /** Undefined: no `Incident Updated` events are published. */
  incidentEventBusName: string | undefined;
  /** Undefined: the WebClient's default, the real Slack. */
  slackApiUrl: string | undefined;
  reopenWindowMs: number;
  slackTokenMaxAgeSeconds: number;
  /** Undefined: derived from the rule set's sampling rules (rules/sampling-rate.ts). */
  samplingRate: number | undefined;
}

export function loadNotifierConfig(env: Env = process.env): NotifierConfig {
  // An empty variable is how CloudFormation (and a shell) spells "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = parseEnv(envSchema, cleaned);
  return {
    tableName: parsed.ALERTS_TABLE_NAME,
    onCallTopicArn: parsed.ONCALL_TOPIC_ARN,
    slackTokenSecretId: parsed.SLACK_TOKEN_SECRET_ID,
    deadLetterQueueUrl: parsed.DEAD_LETTER_QUEUE_URL,
    eventAccounts: parsed.EVENT_SOURCE_ACCOUNTS.split(','),
    deferralQueueUrl: parsed.DEFERRAL_QUEUE_URL,
    incidentEventBusName: parsed.INCIDENT_EVENT_BUS_NAME,
    slackApiUrl: parsed.SLACK_API_URL,
    reopenWindowMs: (parsed.REOPEN_WINDOW_MINUTES ?? DEFAULT_REOPEN_WINDOW_MINUTES) * 60_000,
    slackTokenMaxAgeSeconds: parsed.SLACK_TOKEN_MAX_AGE_SECONDS ?? DEFAULT_SLACK_TOKEN_MAX_AGE_SECONDS,
    samplingRate: parsed.TRACE_SAMPLING_RATE,
  };
}
