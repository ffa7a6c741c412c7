/**
 * Powertools Logger with two guarantees: every line carries the X-Ray trace id (Powertools reads
 * it per line from the invocation's `_X_AMZN_TRACE_ID`, so X-Ray's "logs for this trace" view and
 * Logs Insights find the line), and no credential reaches CloudWatch even when someone logs a raw
 * event: header values that authenticate a caller and anything shaped like a JWT are replaced.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

const REDACTED = '[redacted]';

/** Keys whose values authenticate someone (headers, token fields) wherever they appear. */
const SECRET_KEYS =
  /^(authorization|cookie|set-cookie|x-amz-security-token|(id|access|refresh)?_?token|jwt)$/i;

/** A JWT is three base64url parts with a JSON header, which always starts `eyJ`. */
const JWT_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/** `jsonReplacerFn` for Powertools: runs on every key/value of every line before it is written. */
export function redactSecrets(key: string, value: unknown): unknown {
  if (SECRET_KEYS.test(key)) return REDACTED;
  if (typeof value === 'string' && value.includes('eyJ')) return value.replace(JWT_PATTERN, REDACTED);
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
