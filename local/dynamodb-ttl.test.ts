import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_TABLE_KEYS as K } from '../functions/shared/alerts-table';
import { createAlertsTable } from './alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from './dynamodb';
import { sweepExpired } from './dynamodb-ttl';

const NOW = new Date('2026-11-23T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const DAY = 86_400;

let db: LocalDynamoDb;
let table = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(async () => db?.close());

async function seeded(items: Record<string, unknown>[]): Promise<string> {
  const tableName = `ttl-${++table}`;
  await createAlertsTable(db.client, tableName);
  for (const item of items) await db.doc.send(new PutCommand({ TableName: tableName, Item: item }));
  return tableName;
}

const item = (sk: string, extra: Record<string, unknown> = {}) => ({ pk: 'INC#a', sk, ...extra });
const sweep = (tableName: string, over: { now?: Date; lagSeconds?: number } = {}) =>
  sweepExpired({
    doc: db.doc,
    tableName,
    attribute: K.ttl,
    keys: [K.partitionKey, K.sortKey],
    now: () => over.now ?? NOW,
    ...(over.lagSeconds === undefined ? {} : { lagSeconds: over.lagSeconds }),
  });

async function sortKeys(tableName: string): Promise<string[]> {
  const { Items } = await db.doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'INC#a' },
    }),
  );
  return (Items ?? []).map((i) => String(i.sk));
}

describe('the local DynamoDB TTL sweep', () => {
  it('deletes what expired at or before now and keeps the rest, as AWS does', async () => {
    const tableName = await seeded([
      item('past', { [K.ttl]: NOW_S - 60 }),
      item('exactly-now', { [K.ttl]: NOW_S }),
      item('future', { [K.ttl]: NOW_S + 60 }),
      item('none'),
      item('not-a-number', { [K.ttl]: String(NOW_S - 60) }),
      item('six-years-ago', { [K.ttl]: NOW_S - 6 * 365 * DAY }),
      item('milliseconds', { [K.ttl]: NOW.getTime() + 1 }),
    ]);
    // Expired, not yet swept: still returned, like an item DynamoDB has not deleted yet.
    expect(await sortKeys(tableName)).toContain('past');

    expect(await sweep(tableName)).toEqual({ scanned: 7, deleted: 2 });
    expect((await sortKeys(tableName)).sort()).toEqual(
      ['future', 'milliseconds', 'none', 'not-a-number', 'six-years-ago'].sort(),
    );
  });

  it('models the lag: an item expired more recently than lagSeconds is still there', async () => {
    const tableName = await seeded([
      item('an-hour-ago', { [K.ttl]: NOW_S - 3_600 }),
      item('three-days-ago', { [K.ttl]: NOW_S - 3 * DAY }),
    ]);
    expect(await sweep(tableName, { lagSeconds: 2 * DAY })).toEqual({ scanned: 2, deleted: 1 });
    expect(await sortKeys(tableName)).toEqual(['an-hour-ago']);
  });

  it('keeps an item whose expiry was moved between the scan and the delete', async () => {
    const tableName = await seeded([item('moved', { [K.ttl]: NOW_S - 60 })]);
    // A client whose every delete is preceded by a writer moving the item's expiry.
    const racing = DynamoDBDocumentClient.from(new DynamoDBClient(db.clientConfig));
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteItemCommand') {
          await db.doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: 'INC#a', sk: 'moved' },
              UpdateExpression: 'SET #e = :e',
              ExpressionAttributeNames: { '#e': K.ttl },
              ExpressionAttributeValues: { ':e': NOW_S + DAY },
            }),
          );
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const result = await sweepExpired({
      doc: racing,
      tableName,
      attribute: K.ttl,
      keys: [K.partitionKey, K.sortKey],
      now: () => NOW,
    });
    expect(result).toEqual({ scanned: 1, deleted: 0 });
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'INC#a', sk: 'moved' } }),
    );
    expect(Item?.[K.ttl]).toBe(NOW_S + DAY);
    racing.destroy();
  });

  it('removes deleted items from the byDay index too', async () => {
    const tableName = await seeded([
      item('META', { [K.byDayPartitionKey]: 'DAY#2026-08-01', [K.byDaySortKey]: 'x', [K.ttl]: NOW_S - 1 }),
    ]);
    await sweep(tableName);
    const { Items } = await db.doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: K.byDayIndex,
        KeyConditionExpression: '#d = :d',
        ExpressionAttributeNames: { '#d': K.byDayPartitionKey },
        ExpressionAttributeValues: { ':d': 'DAY#2026-08-01' },
      }),
    );
    expect(Items).toEqual([]);
  });
});
