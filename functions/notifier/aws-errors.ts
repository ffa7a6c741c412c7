/**
 * Is an AWS SDK v3 error worth retrying later? Throttling, server-side faults and network
 * failures are; validation, authorization and not-found errors are not (retrying would only
 * delay the event's arrival in the DLQ). Read from the SDK's own markers (`$retryable`,
 * `$fault`, HTTP status) rather than a list of every service's exception names.
 */

const THROTTLE = /throttl|toomanyrequests|requestlimitexceeded|provisionedthroughputexceeded/i;

export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = 'name' in error && typeof error.name === 'string' ? error.name : '';
  if (THROTTLE.test(name)) return true;
  if ('$retryable' in error && error.$retryable) return true;
  if ('$fault' in error && error.$fault === 'server') return true;
  const status = httpStatus(error);
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP response at all: the request never got an answer (DNS, reset, timeout).
  return name === 'TimeoutError' || name === 'AbortError' || 'code' in error || name === 'FetchError';
}

function httpStatus(error: object): number | undefined {
  if (!('$metadata' in error)) return undefined;
  const metadata = error.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
