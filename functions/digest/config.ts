/**
 * The digest function's edge: environment and event, validated with zod before anything runs.
 * The deploy sets the environment from the same rule set the function bundles, so the SES
 * sender the code uses is always the one IAM allows; the schedule and zone come from the
 * bundled rule set itself.
 */
import * as z from 'zod/mini';
import type { DigestConfig } from '../../rules/schema';
import { parseConfig, parseEnv, type Env } from '../shared/config';
import { ConfigError } from '../shared/errors';
import { isValidTimeZone } from './period';

const envSchema = z.object({
  ALERTS_TABLE_NAME: z.string().check(z.regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'not a DynamoDB table name')),
  DIGEST_TOPIC_ARN: z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'not an SNS topic ARN')),
  /** Verified SES identity for the HTML digest; absent means text digest only. */
  DIGEST_SENDER: z.optional(z.email()),
});

export interface DigestRuntimeConfig {
  tableName: string;
  topicArn: string;
  sender: string | undefined;
  digest: DigestConfig;
}

export function loadDigestConfig(digest: DigestConfig, env: Env = process.env): DigestRuntimeConfig {
  // An empty variable is how CloudFormation spells "not set".
  const parsed = parseEnv(envSchema, { ...env, DIGEST_SENDER: env.DIGEST_SENDER || undefined });
  if (!isValidTimeZone(digest.timezone)) {
    throw new ConfigError([`digest.timezone: unknown IANA time zone "${digest.timezone}"`]);
  }
  return {
    tableName: parsed.ALERTS_TABLE_NAME,
    topicArn: parsed.DIGEST_TOPIC_ARN,
    sender: parsed.DIGEST_SENDER,
    digest,
  };
}

/**
 * The schedule passes `<aws.scheduler.scheduled-time>`; reporting on it rather than on the
 * clock keeps a delayed or retried run on the period it was meant for. A manual invoke may
 * leave it out (then: now) or set it to re-send a past digest.
 */
const eventSchema = z.object({
  scheduledTime: z.optional(z.iso.datetime({ offset: true })),
});

export function runTime(event: unknown, now: () => Date): Date {
  const { scheduledTime } = parseConfig(eventSchema, event ?? {});
  return scheduledTime === undefined ? now() : new Date(scheduledTime);
}
