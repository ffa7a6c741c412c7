/** The bundles' stand-in for the SDK's default chain: the environment, and a clear error without it. */
import { describe, expect, it, vi } from 'vitest';
import { defaultProvider } from './credentials-from-env';

describe('defaultProvider (environment only)', () => {
  it('returns the credentials Lambda puts in the environment', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
    vi.unstubAllEnvs();
  });

  it('fails the first call, naming what is missing, when they are not there (no other source is tried)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    vi.stubEnv('AWS_PROFILE', 'would-be-used-by-the-full-chain');
    await expect(defaultProvider()()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
    vi.unstubAllEnvs();
  });
});
