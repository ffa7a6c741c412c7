/**
 * An in-process DynamoDB (dynalite: pure JS, in memory, speaks the real wire protocol) on an
 * ephemeral loopback port, with tables created and ACTIVE before it resolves. Handlers under test
 * get ordinary SDK v3 clients pointed at it, so the code that runs is the code that ships.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { PLACEHOLDER_CREDENTIALS } from './sdk-client';

export interface TableDefinition {
  name: string;
  partitionKey: string;
  sortKey?: string;
}

export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Config for any SDK v3 DynamoDB client that should talk to this instance. */
  readonly clientConfig: DynamoDBClientConfig;
  /** Environment for a handler process: the SDK honours AWS_ENDPOINT_URL_DYNAMODB itself. */
  readonly env: Readonly<Record<string, string>>;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  createTable(table: TableDefinition): Promise<void>;
  close(): Promise<void>;
}

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no types; this is the one call we make.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: DynaliteOptions) => Server;

const REGION = 'us-east-1';
const CREDENTIALS = PLACEHOLDER_CREDENTIALS;

export async function startLocalDynamoDb(
  options: { tables?: TableDefinition[] } = {},
): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig: DynamoDBClientConfig = { endpoint, region: REGION, credentials: CREDENTIALS };
  const client = new DynamoDBClient(clientConfig);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

  async function createTable(table: TableDefinition): Promise<void> {
    const keys = [
      { name: table.partitionKey, type: 'HASH' as const },
      ...(table.sortKey ? [{ name: table.sortKey, type: 'RANGE' as const }] : []),
    ];
    await client.send(
      new CreateTableCommand({
        TableName: table.name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keys.map((k) => ({ AttributeName: k.name, KeyType: k.type })),
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: 'S' })),
      }),
    );
    await waitUntilTableExists(
      { client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 },
      { TableName: table.name },
    );
  }

  for (const table of options.tables ?? []) await createTable(table);

  return {
    endpoint,
    clientConfig,
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    },
    client,
    doc,
    createTable,
    close: async () => {
      if (!server.listening) return;
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
