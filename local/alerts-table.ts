/**
 * Creates the alerts table (with its `byDay` index) in a local DynamoDB, from the same key
 * layout the CDK construct uses.
 */
import { CreateTableCommand, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ALERTS_TABLE_KEYS as K } from '../functions/shared/alerts-table';

export async function createAlertsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const attr = (AttributeName: string) => ({ AttributeName, AttributeType: 'S' as const });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: K.partitionKey, KeyType: 'HASH' },
        { AttributeName: K.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        attr(K.partitionKey),
        attr(K.sortKey),
        attr(K.byDayPartitionKey),
        attr(K.byDaySortKey),
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: K.byDayIndex,
          KeySchema: [
            { AttributeName: K.byDayPartitionKey, KeyType: 'HASH' },
            { AttributeName: K.byDaySortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await waitUntilTableExists(
    { client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: tableName },
  );
}
