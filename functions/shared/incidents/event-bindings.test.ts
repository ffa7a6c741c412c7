import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createAlertsTable } from '../../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../../local/dynamodb';
import { createEventBindings, eventBindingKey } from './event-bindings';
import { DEFAULT_RETENTION } from './retention';

let db: LocalDynamoDb;
const now = new Date('2026-03-02T10:00:00Z');
beforeAll(async () => {
  db = await startLocalDynamoDb();
  await createAlertsTable(db.client, 'alerts');
});
afterAll(() => db?.close());

describe('event bindings on a real local DynamoDB', () => {
  it('binds an event once; concurrent twins all get the first binding', async () => {
    const bindings = createEventBindings({ doc: db.doc, tableName: 'alerts', now: () => now });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        bindings.bind('evt-1', { incidentId: `inc-${i}`, change: 'opened' }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)!.binding;
    expect(new Set(results.map((r) => r.binding.incidentId))).toEqual(new Set([winner.incidentId]));
    expect(await bindings.find('evt-1')).toEqual(winner);
    expect(await bindings.find('evt-2')).toBeUndefined();
  });

  it('expires bindings with the incident records, long after any redelivery', async () => {
    const bindings = createEventBindings({ doc: db.doc, tableName: 'alerts', now: () => now });
    await bindings.bind('evt-3', { incidentId: 'inc', change: 'resolved' });
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: 'alerts', Key: eventBindingKey('evt-3') }),
    );
    expect(Item?.expiresAt).toBe(now.getTime() / 1000 + DEFAULT_RETENTION.incidentDays * 86_400);
  });
});
