import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../../local/dynamodb';
import { createAlertsTable } from '../../../local/alerts-table';
import { createIncidentStore, utcDays, type IncidentStore } from './store';
import type { FiringEvent } from './transitions';

let db: LocalDynamoDb;
let clock = new Date('2026-11-23T10:00:00Z');
let store: IncidentStore;
let table = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(async () => db?.close());

async function freshStore(): Promise<IncidentStore> {
  const tableName = `alerts-${++table}`;
  await createAlertsTable(db.client, tableName);
  return createIncidentStore({ doc: db.doc, tableName, now: () => clock });
}

const event = (over: Partial<FiringEvent> = {}): FiringEvent => ({
  ruleId: 'registered-user-faults',
  severity: 'page',
  title: 'Faults',
  source: 'alarm',
  at: new Date('2026-11-23T10:00:00Z'),
  test: false,
  silenced: false,
  ...over,
});
const WINDOW = 15 * 60_000;

describe('incident store on a real local DynamoDB', () => {
  it('opens once, attaches the Insight of the same rule, and resolves when both cleared', async () => {
    store = await freshStore();
    const a = await store.openOrAttach(event(), WINDOW);
    expect(a.change).toBe('opened');
    const b = await store.openOrAttach(
      event({ source: 'insight', at: new Date('2026-11-23T10:01:00Z') }),
      WINDOW,
    );
    expect(b).toMatchObject({
      change: 'attached',
      incident: { id: a.incident.id, activeSources: ['alarm', 'insight'] },
    });
    expect(
      (await store.resolveSource('registered-user-faults', 'alarm', new Date('2026-11-23T10:05:00Z'))).change,
    ).toBe('still-open');
    const done = await store.resolveSource(
      'registered-user-faults',
      'insight',
      new Date('2026-11-23T10:06:00Z'),
    );
    expect(done).toMatchObject({
      change: 'resolved',
      incident: { state: 'resolved', resolvedAt: '2026-11-23T10:06:00.000Z' },
    });
    expect((await store.resolveSource('registered-user-faults', 'insight', new Date())).change).toBe(
      'already-resolved',
    );
    expect((await store.resolveSource('other-rule', 'alarm', new Date())).change).toBe('no-incident');
  });

  it('turns 20 concurrent firings of one rule into a single incident', async () => {
    store = await freshStore();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.openOrAttach(event({ at: new Date(Date.parse('2026-11-23T10:00:00Z') + i) }), WINDOW),
      ),
    );
    const ids = new Set(results.map((r) => r.incident.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.change === 'opened')).toHaveLength(1);
  });

  it('takes over a pointer left by a creator that crashed before writing the incident', async () => {
    const tableName = `alerts-${++table}`;
    await createAlertsTable(db.client, tableName);
    clock = new Date('2026-11-23T10:00:00Z');
    store = createIncidentStore({ doc: db.doc, tableName, now: () => clock });
    await db.doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: 'RULE#registered-user-faults',
          sk: 'CURRENT',
          incidentId: 'ghost',
          claimedAt: clock.getTime() - 6_000,
        },
      }),
    );
    const { change, incident } = await store.openOrAttach(event(), WINDOW);
    expect(change).toBe('opened');
    expect((await store.findCurrent('registered-user-faults'))?.id).toBe(incident.id);
  });

  it('keeps test alerts apart from real incidents of the same rule', async () => {
    store = await freshStore();
    const real = await store.openOrAttach(event(), WINDOW);
    const test = await store.openOrAttach(event({ source: 'test', test: true }), WINDOW);
    expect(test.change).toBe('opened');
    expect(test.incident.id).not.toBe(real.incident.id);
  });

  it('records the Slack root once and the first page time once', async () => {
    store = await freshStore();
    const { incident } = await store.openOrAttach(event(), WINDOW);
    await store.setSlackRoot(incident.id, { channel: 'C1', rootTs: '1.000' });
    const second = await store.setSlackRoot(incident.id, { channel: 'C1', rootTs: '2.000' });
    expect(second?.slack).toEqual({ channel: 'C1', rootTs: '1.000' });
    await store.markPaged(incident.id, new Date('2026-11-23T10:00:30Z'));
    const later = await store.markPaged(incident.id, new Date('2026-11-23T10:09:00Z'));
    expect(later?.pagedAt).toBe('2026-11-23T10:00:30.000Z');
  });

  it('claims a delivery once, lets a retry take over an expired lease, and skips what was sent', async () => {
    store = await freshStore();
    const { incident } = await store.openOrAttach(event(), WINDOW);
    clock = new Date('2026-11-23T10:00:00Z');
    expect(await store.claimDelivery(incident.id, 'evt-1', 'slack', 30_000)).toBe('claimed');
    expect(await store.claimDelivery(incident.id, 'evt-1', 'slack', 30_000)).toBe('in-progress');
    clock = new Date('2026-11-23T10:00:31Z');
    expect(await store.claimDelivery(incident.id, 'evt-1', 'slack', 30_000)).toBe('claimed');
    await store.completeDelivery(incident.id, 'evt-1', 'slack', { ts: '1.0' });
    expect(await store.claimDelivery(incident.id, 'evt-1', 'slack', 30_000)).toBe('sent');
    expect(await store.delivery(incident.id, 'evt-1', 'slack')).toEqual({
      status: 'sent',
      sentAt: '2026-11-23T10:00:31.000Z',
      detail: { ts: '1.0' },
    });
    // A failed send gives the claim back; a `sent` record is never released.
    expect(await store.claimDelivery(incident.id, 'evt-1', 'email', 30_000)).toBe('claimed');
    await store.releaseDelivery(incident.id, 'evt-1', 'email');
    expect(await store.claimDelivery(incident.id, 'evt-1', 'email', 30_000)).toBe('claimed');
    await store.releaseDelivery(incident.id, 'evt-1', 'slack');
    expect(await store.claimDelivery(incident.id, 'evt-1', 'slack', 30_000)).toBe('sent');
  });

  it('keeps history idempotent per event', async () => {
    store = await freshStore();
    const { incident } = await store.openOrAttach(event(), WINDOW);
    const entry = {
      at: '2026-11-23T10:00:00.000Z',
      eventId: 'e1',
      source: 'alarm' as const,
      state: 'firing',
      summary: 's',
    };
    await store.recordHistory(incident.id, entry);
    await store.recordHistory(incident.id, entry);
    expect(await store.history(incident.id)).toEqual([entry]);
  });

  it('lists incidents by the period they started in, across UTC days, without a scan', async () => {
    store = await freshStore();
    const starts = [
      '2026-11-15T23:59:59Z',
      '2026-11-16T00:00:00Z',
      '2026-11-18T12:00:00Z',
      '2026-11-22T23:59:59.999Z',
      '2026-11-23T00:00:00Z',
    ];
    for (const [i, s] of starts.entries()) {
      await store.openOrAttach(event({ ruleId: `rule-${i}`, at: new Date(s) }), WINDOW);
    }
    const found = await store.listStartedBetween(
      new Date('2026-11-16T00:00:00Z'),
      new Date('2026-11-23T00:00:00Z'),
    );
    expect(found.map((i) => i.firstFiredAt).sort()).toEqual([
      '2026-11-16T00:00:00.000Z',
      '2026-11-18T12:00:00.000Z',
      '2026-11-22T23:59:59.999Z',
    ]);
  });

  it('computes the UTC days a period touches', () => {
    expect(utcDays(new Date('2026-03-28T23:00:00Z'), new Date('2026-03-30T01:00:00Z'))).toEqual([
      '2026-03-28',
      '2026-03-29',
      '2026-03-30',
    ]);
  });
});
