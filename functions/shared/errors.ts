/**
 * Typed errors. The split matters for tracing: an {@link HttpError} is the caller's mistake and
 * becomes a 4xx JSON response; anything else is ours or a dependency's and must stay a fault
 * (rethrown, so Lambda, API Gateway and X-Ray all record it).
 */

export interface IssueDetail {
  path: string;
  message: string;
}

/** A client error with a stable machine-readable `code` and a message safe to show the caller. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: readonly IssueDetail[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, issues?: readonly IssueDetail[], code = 'bad_request') {
    super(400, code, message, issues);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'sign in required') {
    super(401, 'unauthorized', message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

/** A dependency (DynamoDB, the JWKS endpoint) failed: a fault, never mapped to a 4xx. */
export class DependencyError extends Error {
  constructor(
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyError';
  }
}

/** Invalid environment: thrown at init so the function never serves a request half-configured. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError;
}
