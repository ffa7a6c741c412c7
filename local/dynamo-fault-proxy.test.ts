import { DynamoDBClient, type DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynamoFaultProxy, type DynamoFaultProxy } from './dynamo-fault-proxy';
import { startLocalDynamoDb, type LocalDynamoDb } from './dynamodb';

const CARTS = 'carts';
const OTHER = 'alerts';
const FAILING = 'f0000000-0000-4000-8000-000000000001';
const SLOW = '50000000-0000-4000-8000-000000000002';
const HEALTHY = 'a0000000-0000-4000-8000-000000000003';

let db: LocalDynamoDb;
let proxy: DynamoFaultProxy;
let doc: DynamoDBDocumentClient;
let advanced: number[] = [];

beforeAll(async () => {
  db = await startLocalDynamoDb({
    tables: [
      { name: CARTS, partitionKey: 'pk', sortKey: 'sk' },
      { name: OTHER, partitionKey: 'pk', sortKey: 'sk' },
    ],
  });
  proxy = await startDynamoFaultProxy({
    target: db.endpoint,
    cartsTable: CARTS,
    advanceClock: (ms) => advanced.push(ms),
  });
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...db.clientConfig, endpoint: proxy.url, maxAttempts: 1 }),
  );
});

afterAll(async () => {
  doc?.destroy();
  await proxy?.close();
  await db?.close();
});

beforeEach(() => {
  advanced = [];
  proxy.setFaults({ failing: new Set([FAILING]), slow: new Set([SLOW]), slowMs: 3_500 });
});

const put = (table: string, sub: string) =>
  doc.send(new PutCommand({ TableName: table, Item: { pk: `user#${sub}`, sk: 'product#1', quantity: 1 } }));
const query = (table: string, sub: string) =>
  doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `user#${sub}` },
    }),
  );

describe('DynamoDB fault proxy', () => {
  it("fails a failing user's cart requests the way DynamoDB does (500 InternalServerError)", async () => {
    const error = (await query(CARTS, FAILING).catch((e: unknown) => e)) as DynamoDBServiceException;
    expect(error.name).toBe('InternalServerError');
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(error.$fault).toBe('server');
    await expect(put(CARTS, FAILING)).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(proxy.stats().failed).toBeGreaterThanOrEqual(2);
  });

  it("lets everyone else's requests through to DynamoDB unchanged", async () => {
    await put(CARTS, HEALTHY);
    const result = await query(CARTS, HEALTHY);
    expect(result.Items).toEqual([{ pk: `user#${HEALTHY}`, sk: 'product#1', quantity: 1 }]);
    expect(advanced).toEqual([]);
  });

  it('never touches other tables, even for a failing user', async () => {
    await put(OTHER, FAILING);
    expect((await query(OTHER, FAILING)).Items).toHaveLength(1);
  });

  it("advances the virtual clock before forwarding a slow user's request", async () => {
    await put(CARTS, SLOW);
    const result = await query(CARTS, SLOW);
    expect(result.Items).toHaveLength(1);
    expect(advanced).toEqual([3_500, 3_500]);
  });

  it('stops faulting once cleared', async () => {
    proxy.clearFaults();
    await put(CARTS, FAILING);
    expect((await query(CARTS, FAILING)).Items).toHaveLength(1);
    await query(CARTS, SLOW);
    expect(advanced).toEqual([]);
  });
});

describe('DynamoDB fault proxy, per request', () => {
  beforeEach(() => {
    proxy.clearFaults();
    proxy.takeHits();
  });

  it('breaks every carts-table call while a request fault is set, counts them, and stops when cleared', async () => {
    proxy.setRequestFault({ kind: 'errors' });
    await expect(query(CARTS, HEALTHY)).rejects.toMatchObject({ name: 'InternalServerError' });
    await expect(put(CARTS, HEALTHY)).rejects.toMatchObject({ name: 'InternalServerError' });
    await put(OTHER, HEALTHY);
    expect(proxy.takeHits()).toBe(2);
    expect(proxy.takeHits()).toBe(0);
    proxy.setRequestFault(undefined);
    await expect(query(CARTS, HEALTHY)).resolves.toBeDefined();
    expect(proxy.takeHits()).toBe(0);
  });

  it('throttles the way DynamoDB does (400 ProvisionedThroughputExceededException)', async () => {
    proxy.setRequestFault({ kind: 'throttling' });
    const error = (await query(CARTS, HEALTHY).catch((e: unknown) => e)) as DynamoDBServiceException;
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    proxy.setRequestFault(undefined);
  });

  it('slows each call by the fault latency, then answers', async () => {
    proxy.setRequestFault({ kind: 'latency', ms: 1_200 });
    await put(CARTS, HEALTHY);
    expect((await query(CARTS, HEALTHY)).Items).toHaveLength(1);
    expect(advanced).toEqual([1_200, 1_200]);
    proxy.setRequestFault(undefined);
  });
});
