import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretsServer, type SecretsServer } from '../../local/secrets-server';
import { PermanentError, RetryableError } from './errors';
import { createSlackTokenSource } from './slack-token';
import { localClientConfig } from '../../local/sdk-client';

let secrets: SecretsServer;
beforeAll(async () => {
  secrets = await startSecretsServer({
    secrets: { 'uia/slack-bot-token': 'xoxb-123-abc', 'uia/not-a-token': '{"token":"xoxb-1"}' },
  });
});
afterAll(() => secrets?.close());

function source(secretId: string, maxAgeSeconds = 300) {
  const provider = new SecretsProvider({
    awsSdkV3Client: new SecretsManagerClient(localClientConfig(secrets.url)),
  });
  return createSlackTokenSource({ provider, secretId, maxAgeSeconds });
}

const readsOf = (id: string) => secrets.reads().filter((r) => r === id).length;

describe('Slack token from Secrets Manager', () => {
  it('reads the secret once and serves the cached value until maxAge, unless asked for a fresh one', async () => {
    const token = source('uia/slack-bot-token');
    const before = readsOf('uia/slack-bot-token');
    expect(await token()).toBe('xoxb-123-abc');
    expect(await token()).toBe('xoxb-123-abc');
    expect(readsOf('uia/slack-bot-token') - before).toBe(1);
    await token({ fresh: true });
    expect(readsOf('uia/slack-bot-token') - before).toBe(2);
  });

  it('is permanent for a missing secret, naming the secret id', async () => {
    const failure = source('uia/missing')();
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow('Slack token secret "uia/missing" not found in Secrets Manager');
  });

  it('is permanent for a secret that holds something else, and never echoes the value', async () => {
    const failure = source('uia/not-a-token')();
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    const message = await failure.catch((e: Error) => e.message);
    expect(message).toContain('does not hold a Slack token');
    expect(message).not.toContain('xoxb-1');
  });

  it('is retryable when Secrets Manager throttles or fails', async () => {
    secrets.failNext({ type: 'ThrottlingException', status: 400, message: 'Rate exceeded' });
    await expect(source('uia/slack-bot-token')()).rejects.toBeInstanceOf(RetryableError);
    secrets.failNext({ type: 'InternalServiceError', status: 500 });
    await expect(source('uia/slack-bot-token')()).rejects.toBeInstanceOf(RetryableError);
  });
});
