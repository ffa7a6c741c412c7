/**
 * The Slack bot token, read from Secrets Manager through Powertools Parameters with a cache
 * (`maxAge`), so a burst of alerts reads the secret once. The environment holds only the
 * secret's id; the token itself is never logged (errors carry the secret id, never the value).
 *
 * Failures: a missing secret, or one that does not hold a bot token, is a deployment mistake
 * no retry fixes → PermanentError (the page still goes out by email; the event goes to the
 * DLQ with the reason). Throttling or a Secrets Manager outage → RetryableError.
 */
import { ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { PermanentError, RetryableError } from './errors';
import { isTransientAwsError } from './aws-errors';

/** Bot (`xoxb-`), user (`xoxp-`) and similar Slack tokens. */
const TOKEN_PATTERN = /^xox[a-z]-\S+$/;

export interface SlackTokenSource {
  /** `fresh` skips the cache: used once after Slack says the token is no longer valid. */
  (options?: { fresh?: boolean }): Promise<string>;
}

export interface SlackTokenOptions {
  provider: Pick<SecretsProvider, 'get'>;
  secretId: string;
  maxAgeSeconds: number;
}

export function createSlackTokenSource(options: SlackTokenOptions): SlackTokenSource {
  const { provider, secretId, maxAgeSeconds } = options;
  return async ({ fresh = false } = {}) => {
    let value: unknown;
    try {
      value = await provider.get(secretId, {
        maxAge: maxAgeSeconds,
        forceFetch: fresh,
        throwOnMissing: true,
      });
    } catch (error) {
      throw classify(error, secretId);
    }
    const token = typeof value === 'string' ? value.trim() : '';
    if (!TOKEN_PATTERN.test(token)) {
      throw new PermanentError(
        `Slack token secret "${secretId}" does not hold a Slack token (expected a plain "xoxb-…" string)`,
      );
    }
    return token;
  };
}

function classify(error: unknown, secretId: string): Error {
  if (error instanceof ParameterNotFoundError) {
    return new PermanentError(`Slack token secret "${secretId}" not found in Secrets Manager`, {
      cause: error,
    });
  }
  // Powertools wraps SDK errors in GetParameterError with the SDK error as `cause`.
  const sdkError = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const name = sdkError instanceof Error ? sdkError.name : 'Error';
  if (isTransientAwsError(sdkError)) {
    return new RetryableError(`reading Slack token secret "${secretId}" failed: ${name}`, { cause: error });
  }
  return new PermanentError(`reading Slack token secret "${secretId}" failed: ${name}`, { cause: error });
}
