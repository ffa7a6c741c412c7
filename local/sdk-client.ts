/**
 * How a test or a local tool points a real AWS SDK v3 client at a stand-in: its endpoint, the
 * region every stand-in answers for, placeholder credentials, and one attempt. One attempt
 * because a test must see each answer the stand-in gives (a throttle, a 500) rather than the
 * SDK's retries of it; a test about the SDK's own retrying asks for more.
 *
 * The credentials are placeholders that sign requests as the SDK always does; the stand-ins
 * accept any key, except where the local pipeline maps its own named access key ids to
 * principals (local/pipeline/services.ts `LOCAL_CREDENTIALS`).
 */
export const LOCAL_REGION = 'us-east-1';

export const PLACEHOLDER_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
}

export function localClientConfig(
  endpoint: string,
  options: { maxAttempts?: number } = {},
): LocalClientConfig {
  return {
    endpoint,
    region: LOCAL_REGION,
    credentials: { ...PLACEHOLDER_CREDENTIALS },
    maxAttempts: options.maxAttempts ?? 1,
  };
}
