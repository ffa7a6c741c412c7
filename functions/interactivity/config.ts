/**
 * The interactivity function's environment, validated once at cold start (every problem listed
 * at once). Secrets are referenced by id only; their values are read at run time.
 *
 * | variable                        | required | meaning                                                  |
 * |---------------------------------|----------|----------------------------------------------------------|
 * | `ALERTS_TABLE_NAME`             | yes      | alerts table (incidents, silences, seen requests)        |
 * | `SLACK_SIGNING_SECRET_ID`       | yes      | Secrets Manager name/ARN of the app's signing secret     |
 * | `SLACK_TOKEN_SECRET_ID`         | yes      | Secrets Manager name/ARN of the bot token                |
 * | `WORKER_FUNCTION_NAME`          | no       | function invoked asynchronously for the slow half;       |
 * |                                 |          | default: this function (`AWS_LAMBDA_FUNCTION_NAME`)      |
 * | `SLACK_API_URL`                 | no       | WebClient `slackApiUrl` (the local stand-in)             |
 * | `SLACK_RESPONSE_URL_BASE`       | no       | allowed prefix of `response_url` (default Slack's hooks) |
 * | `TRACE_SAMPLING_RATE`           | no       | as for the notifier (pages state it)                     |
 */
import * as z from 'zod/mini';
import { parseEnv, type Env } from '../shared/config';

const secretId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9/_+=.@:-]{1,2048}$/, 'not a Secrets Manager secret name or ARN'));

const envSchema = z.object({
  ALERTS_TABLE_NAME: z.string().check(z.regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'not a DynamoDB table name')),
  SLACK_SIGNING_SECRET_ID: secretId,
  SLACK_TOKEN_SECRET_ID: secretId,
  WORKER_FUNCTION_NAME: z.optional(z.string().check(z.minLength(1))),
  AWS_LAMBDA_FUNCTION_NAME: z.optional(z.string().check(z.minLength(1))),
  SLACK_API_URL: z.optional(z.url({ protocol: /^https?$/ })),
  SLACK_RESPONSE_URL_BASE: z.optional(z.url({ protocol: /^https?$/ })),
  TRACE_SAMPLING_RATE: z.optional(z.coerce.number().check(z.gt(0), z.maximum(1))),
});

export interface InteractivityConfig {
  tableName: string;
  signingSecretId: string;
  slackTokenSecretId: string;
  workerFunctionName: string | undefined;
  slackApiUrl: string | undefined;
  responseUrlBase: string | undefined;
  samplingRate: number | undefined;
}

export function loadInteractivityConfig(env: Env = process.env): InteractivityConfig {
  const e = parseEnv(envSchema, env);
  return {
    tableName: e.ALERTS_TABLE_NAME,
    signingSecretId: e.SLACK_SIGNING_SECRET_ID,
    slackTokenSecretId: e.SLACK_TOKEN_SECRET_ID,
    workerFunctionName: e.WORKER_FUNCTION_NAME ?? e.AWS_LAMBDA_FUNCTION_NAME,
    slackApiUrl: e.SLACK_API_URL,
    responseUrlBase: e.SLACK_RESPONSE_URL_BASE,
    samplingRate: e.TRACE_SAMPLING_RATE,
  };
}
