/**
 * Contract: `@aws-sdk/client-secrets-manager` and Powertools Parameters' SecretsProvider
 * (how the notifier reads the Slack token) against the local Secrets Manager (AWS JSON 1.1).
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretsServer, type SecretsServer } from '../../local/secrets-server';
import { localClientConfig } from '../../local/sdk-client';

let secrets: SecretsServer;
let clientConfig: ConstructorParameters<typeof SecretsManagerClient>[0];
let client: SecretsManagerClient;

beforeAll(async () => {
  secrets = await startSecretsServer({ secrets: { 'uia/slack-bot-token': 'xoxb-local-token' } });
  clientConfig = localClientConfig(secrets.url);
  client = new SecretsManagerClient(clientConfig);
});
afterAll(async () => {
  client.destroy();
  await secrets.close();
});

async function rejection(promise: Promise<unknown>): Promise<SecretsManagerServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecretsManagerServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('Secrets Manager stand-in', () => {
  it('returns the secret by name and by ARN with the fields the SDK parses', async () => {
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'uia/slack-bot-token' }));
    expect(byName).toMatchObject({
      Name: 'uia/slack-bot-token',
      SecretString: 'xoxb-local-token',
      VersionStages: ['AWSCURRENT'],
      ARN: expect.stringMatching(
        /^arn:aws:secretsmanager:us-east-1:000000000000:secret:uia\/slack-bot-token-\w{6}$/,
      ),
    });
    expect(byName.CreatedDate).toBeInstanceOf(Date);

    const byArn = await client.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
    expect(byArn.SecretString).toBe('xoxb-local-token');
  });

  it('answers an unknown secret or stage with ResourceNotFoundException', async () => {
    const unknown = await rejection(client.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect(unknown.$metadata.httpStatusCode).toBe(400);
    expect(unknown.message).toBe("Secrets Manager can't find the specified secret.");

    const stage = await rejection(
      client.send(new GetSecretValueCommand({ SecretId: 'uia/slack-bot-token', VersionStage: 'AWSPENDING' })),
    );
    expect(stage).toBeInstanceOf(ResourceNotFoundException);
    expect(stage.message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    );
  });

  it('serves Powertools SecretsProvider, whose cache then spares the second read', async () => {
    const provider = new SecretsProvider({ clientConfig });
    const before = secrets.reads().length;
    await expect(provider.get('uia/slack-bot-token')).resolves.toBe('xoxb-local-token');
    await expect(provider.get('uia/slack-bot-token')).resolves.toBe('xoxb-local-token');
    expect(secrets.reads().length - before).toBe(1);
  });

  it('serves a rotated value under a new version id', async () => {
    const first = await client.send(new GetSecretValueCommand({ SecretId: 'uia/slack-bot-token' }));
    secrets.setSecret('uia/slack-bot-token', 'xoxb-rotated');
    const second = await client.send(new GetSecretValueCommand({ SecretId: 'uia/slack-bot-token' }));
    expect(second.SecretString).toBe('xoxb-rotated');
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(second.ARN).toBe(first.ARN);
  });

  it('injects faults such as throttling', async () => {
    secrets.failNext({ type: 'ThrottlingException', status: 400, message: 'Rate exceeded' });
    const error = await rejection(
      client.send(new GetSecretValueCommand({ SecretId: 'uia/slack-bot-token' })),
    );
    expect(error.name).toBe('ThrottlingException');
    expect(error.message).toBe('Rate exceeded');
  });
});
