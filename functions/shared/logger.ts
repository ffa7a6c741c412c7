/**
 * Powertools Logger with two guarantees: every line carries the X-Ray trace id (Powertools reads
 * it per line from the invocation's `_X_AMZN_TRACE_ID`, so X-Ray's "logs for this trace" view and
 * Logs Insights find the line), and no credential reaches CloudWatch even when someone logs a raw
 * event, an SDK response or an error: values under secret-bearing keys are replaced wherever they
 * appear, and secret-shaped substrings are cut out of every string.
 *
 * | shape                                   | caught by | examples                                        |
 * |-----------------------------------------|-----------|-------------------------------------------------|
 * | credential headers                      | key       | `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`, `X-Api-Key`, `X-Amz-Security-Token` |
 * | token, secret and password fields       | key       | `token`, `idToken`, `access_token`, `jwt`, `SecretString`, `SecretBinary`, `clientSecret`, `password`, `apiKey`, `privateKey` |
 * | JWTs (Cognito ID/access tokens)         | value     | `eyJ….….…`                                      |
 * | Slack tokens                            | value     | `xoxb-…`, `xoxp-…`, `xoxa-…`, `xoxo-…`, `xoxs-…`, `xoxr-…`, `xapp-…` |
 * | HTTP credentials in text                | value     | `Bearer …`, `Basic …`                           |
 * | `secret=value` pairs in text or URLs    | value     | `?token=…`, `password=…`, `client_secret=…`     |
 * | URL user-info                           | value     | `https://user:pass@host`                        |
 * | PEM private keys                        | value     | `-----BEGIN … PRIVATE KEY-----`                 |
 *
 * Keys are compared case- and separator-insensitively (`X-Api-Key` = `x_api_key` = `xApiKey`).
 * A key that only *names* a secret (`SLACK_TOKEN_SECRET_ID`, `secretName`, `tokenUse`) is not a
 * secret and stays readable; so do AWS pagination tokens (`NextToken`), which grant nothing.
 * Rejected: Powertools' data-masking utility, which needs the paths of the fields in advance
 * (a raw event or an SDK error has none we could list) and a KMS key for what is only removal.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

export const REDACTED = '[redacted]';

/** Exact key names (normalized: lower case, letters and digits only) whose values are secrets. */
const SECRET_KEY_NAMES = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'xamzsecuritytoken',
  'jwt',
  'secretstring',
  'secretbinary',
  'clientsecret',
  'privatekey',
  'credentials',
  'secretaccesskey',
]);

/** Key endings that make a key secret-bearing (`slackToken`, `refresh_token`, `dbPassword`, `apiKey`). */
const SECRET_KEY_SUFFIXES = ['token', 'secret', 'password', 'passwd', 'passphrase', 'apikey', 'privatekey'];

/** Keys that end like a secret but hold none: AWS pagination cursors. */
const NOT_SECRET_KEYS = new Set(['nexttoken', 'paginationtoken', 'continuationtoken']);

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (normalized === '' || NOT_SECRET_KEYS.has(normalized)) return false;
  return SECRET_KEY_NAMES.has(normalized) || SECRET_KEY_SUFFIXES.some((s) => normalized.endsWith(s));
}

/** Secret-shaped substrings; each match (or its secret group) is replaced by {@link REDACTED}. */
const SECRET_VALUE_PATTERNS: ReadonlyArray<{ pattern: RegExp; keepPrefix?: boolean }> = [
  // PEM private keys, header to footer.
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g },
  // A JWT is three base64url parts with a JSON header, which always starts `eyJ`.
  { pattern: /eyJ[\w-]*\.[\w-]*\.[\w-]*/g },
  // Slack bot, user, app-level, legacy workspace, refresh and configuration tokens.
  { pattern: /\bxox[abposre]-[A-Za-z0-9-]+/g },
  { pattern: /\bxapp-[A-Za-z0-9-]+/g },
  // HTTP credentials quoted in messages ("Authorization: Bearer …").
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, keepPrefix: true },
  // `password=…`, `?token=…`, `client_secret: …` inside free text, query strings and form bodies.
  {
    pattern:
      /\b((?:access_?|refresh_?|id_?|session_?|api_?|auth_?)?(?:token|secret|password|passwd|api[_-]?key|client[_-]?secret)["']?\s*[=:]\s*["']?)[^\s&"',;]+/gi,
    keepPrefix: true,
  },
  // URL user-info: keep the user, drop the password.
  { pattern: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+(?=@)/gi, keepPrefix: true },
];

export function redactString(text: string): string {
  let out = text;
  for (const { pattern, keepPrefix } of SECRET_VALUE_PATTERNS) {
    out = out.replace(pattern, (_match: string, prefix?: string) =>
      keepPrefix && typeof prefix === 'string'
        ? `${prefix}${prefix.endsWith(' ') || /[=:"']$/.test(prefix) ? '' : ' '}${REDACTED}`
        : REDACTED,
    );
  }
  return out;
}

/** `jsonReplacerFn` for Powertools: runs on every key/value of every line before it is written. */
export function redactSecrets(key: string, value: unknown): unknown {
  if (isSecretKey(key) && value !== undefined && value !== null && value !== '') return REDACTED;
  if (typeof value === 'string') return redactString(value);
  return value;
}

export interface LoggerOptions {
  /** Defaults to POWERTOOLS_SERVICE_NAME, which the stack sets per function. */
  serviceName?: string;
  /** Defaults to POWERTOOLS_LOG_LEVEL, else INFO. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return new Logger({
    ...(options.serviceName !== undefined && { serviceName: options.serviceName }),
    ...(options.logLevel !== undefined && { logLevel: options.logLevel }),
    jsonReplacerFn: redactSecrets,
  });
}
