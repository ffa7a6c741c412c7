/**
 * Slack's policy for the shared retry loop (functions/shared/retry.ts) around one Web API
 * call, because the WebClient's default (10
 * retries over ~30 minutes) outlives any Lambda invocation. The client is built with
 * `retryConfig: { retries: 0 }, rejectRateLimitedCalls: true`, so every failure reaches us:
 *
 * - 429: wait exactly `Retry-After` (Slack warns that posting on while rate limited can get
 *   an app disabled), if that wait fits in the invocation's budget;
 * - 5xx, network errors and Slack's transient `ok:false` codes: exponential backoff with
 *   equal jitter, a few attempts, within the budget;
 * - a timed-out request may still have posted: retrying it risks a duplicate message, which
 *   beats a lost page;
 * - anything that does not fit the budget → RetryableError: Lambda's async retry tries again
 *   in a minute or two, which is the right scale for a Slack outage;
 * - `ok:false` codes that no retry can fix (unknown channel, bot not in it, bad token, bad
 *   blocks) → PermanentError, with the code as the reason.
 */
import { ErrorCode } from '@slack/web-api';
import { backoffDelay, RetryGaveUp, withRetry } from '../shared/retry';
import type { Budget } from './budget';
import { PermanentError, RetryableError } from './errors';
import type { NotifierLogger, Random, Sleep } from './ports';

export const SLACK_BACKOFF_BASE_MS = 500;
export const SLACK_BACKOFF_MAX_MS = 8_000;
/** Attempts for 5xx / network errors; 429s are bounded by the budget alone. */
export const SLACK_MAX_ATTEMPTS = 5;

/**
 * `ok:false` codes worth retrying (Slack-side trouble). Every other code is permanent: an
 * unknown code retried would only reach the DLQ later, with the same reason.
 */
const TRANSIENT_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** Codes that mean "this token is no good": worth one fresh read of the secret. */
export const AUTH_CODES = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);

export type SlackFailure =
  | { kind: 'permanent'; reason: string; code: string | undefined }
  | { kind: 'rate-limited'; reason: string; retryAfterMs: number }
  | { kind: 'transient'; reason: string };

/** How a WebClient error should be handled; undefined when it is not a Web API error at all. */
export function classifySlackError(error: unknown): SlackFailure | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  switch (error.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = 'retryAfter' in error && typeof error.retryAfter === 'number' ? error.retryAfter : 1;
      return {
        kind: 'rate-limited',
        reason: `rate limited (Retry-After ${seconds} s)`,
        retryAfterMs: seconds * 1000,
      };
    }
    case ErrorCode.HTTPError: {
      const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 0;
      const reason = `HTTP ${status}`;
      return status >= 500 || status === 408 || status === 429
        ? { kind: 'transient', reason }
        : { kind: 'permanent', reason, code: undefined };
    }
    case ErrorCode.RequestError:
      return {
        kind: 'transient',
        reason: `request failed (${error instanceof Error ? error.message : 'network'})`,
      };
    case ErrorCode.PlatformError: {
      const code = platformCode(error);
      return TRANSIENT_CODES.has(code)
        ? { kind: 'transient', reason: code }
        : { kind: 'permanent', reason: code, code };
    }
    default:
      return undefined;
  }
}

function platformCode(error: object): string {
  const data = 'data' in error ? error.data : undefined;
  return typeof data === 'object' && data !== null && 'error' in data && typeof data.error === 'string'
    ? data.error
    : 'unknown_error';
}

export interface SlackRetryOptions {
  budget: Budget;
  sleep: Sleep;
  random: Random;
  logger: NotifierLogger;
  maxAttempts?: number;
}

/** Thrown for a permanent Slack failure; `slackCode` lets the caller react to auth errors. */
export class SlackPermanentError extends PermanentError {
  constructor(
    reason: string,
    readonly slackCode: string | undefined,
    cause: unknown,
  ) {
    super(reason, { cause });
  }
}

/** Runs `call` until it succeeds, fails permanently, or the next wait would not fit the budget. */
export async function withSlackRetry<T>(
  what: string,
  call: () => Promise<T>,
  options: SlackRetryOptions,
): Promise<T> {
  try {
    return await withRetry(call, {
      policy: {
        baseMs: SLACK_BACKOFF_BASE_MS,
        maxMs: SLACK_BACKOFF_MAX_MS,
        maxAttempts: options.maxAttempts ?? SLACK_MAX_ATTEMPTS,
      },
      classify: (error) => {
        const failure = classifySlackError(error);
        if (failure === undefined || failure.kind === 'permanent') return { retry: false };
        return failure.kind === 'rate-limited'
          ? { retry: true, waitMs: failure.retryAfterMs }
          : { retry: true };
      },
      budget: options.budget,
      sleep: options.sleep,
      random: options.random,
      onRetry: ({ waitMs, error }) =>
        options.logger.warn('Slack call failed; retrying', {
          what,
          reason: classifySlackError(error)?.reason,
          waitMs,
        }),
    });
  } catch (error) {
    throw slackFailure(what, error);
  }
}

function slackFailure(what: string, error: unknown): unknown {
  if (error instanceof RetryGaveUp) {
    const reason = classifySlackError(error.cause)?.reason ?? 'failed';
    const message =
      error.why === 'attempts'
        ? `Slack ${what}: ${reason} (${error.attempts} attempts)`
        : `Slack ${what}: ${reason}; ${error.message}`;
    // Only a wait that did not fit says "later": after the attempts ran out, Slack is down, and
    // Lambda's retry a minute later is the right scale (no deferral).
    return new RetryableError(message, {
      cause: error.cause,
      ...(error.why === 'budget' ? { retryAfterMs: error.waitMs } : {}),
    });
  }
  const failure = classifySlackError(error);
  if (failure?.kind === 'permanent') {
    return new SlackPermanentError(`Slack ${what}: ${failure.reason}`, failure.code, error);
  }
  return error;
}

/** Exponential from 500 ms, capped at 8 s, with equal jitter: [d/2, d). */
export function slackBackoffDelay(attempt: number, random: Random): number {
  return backoffDelay(attempt, random, { baseMs: SLACK_BACKOFF_BASE_MS, maxMs: SLACK_BACKOFF_MAX_MS });
}
