/**
 * Is an AWS SDK v3 error worth retrying later? Throttling, transient faults (timeouts,
 * 5xx, dropped connections) and server-side faults are; validation, authorization and
 * not-found errors are not (retrying would only delay the event's arrival in the DLQ).
 *
 * The classification is the SDK's own (`@smithy/core/retry`, the same predicates the SDK's
 * retry strategy uses; `@smithy/service-error-classification` is now a deprecated re-export
 * of it), plus `$fault: 'server'` and the services' `*Throttling*` names that the SDK models
 * without a retryable trait (SNS's `KMSThrottlingException`).
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

type SdkError = Parameters<typeof isThrottlingError>[0];

export function isTransientAwsError(error: unknown): boolean {
  if (!isSdkShaped(error)) return false;
  return (
    isThrottlingAwsError(error) ||
    isTransientError(error) ||
    isServerError(error) ||
    ('$fault' in error && error.$fault === 'server')
  );
}

export function isThrottlingAwsError(error: unknown): boolean {
  return isSdkShaped(error) && (isThrottlingError(error) || /Throttling/.test(error.name));
}

function isSdkShaped(error: unknown): error is SdkError & Error {
  return error instanceof Error;
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
