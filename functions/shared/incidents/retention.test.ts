/**
 * Retention on a real local DynamoDB: what each item kind carries as `expiresAt`, that reads
 * treat an expired item as gone before DynamoDB deletes it, and that nothing of an incident is
 * left once the (local) TTL sweep has run.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertsTable } from '../../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../../local/dynamodb';
import { sweepExpired } from '../../../local/dynamodb-ttl';
import { ALERTS_TABLE_KEYS as K } from '../alerts-table';
import { createIncidentStore, type IncidentStore } from './store';
import type { FiringEvent } from './transitions';
import { INCIDENT_EVENT_KEY } from './types';

const DAY_MS = 86_400_000;
const START = new Date('2026-11-23T10:00:00Z');
const s = (d: Date) => Math.floor(d.getTime() / 1000);

let db: LocalDynamoDb;
let table = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(async () => db?.close());

interface Fixture {
  store: IncidentStore;
  tableName: string;
  clock: { now: Date };
}

async function fixture(retention = { incidentDays: 90, usernameDays: 30 }): Promise<Fixture> {
  const tableName = `retention-${++table}`;
  await createAlertsTable(db.client, tableName);
  const clock = { now: START };
  const store = createIncidentStore({ doc: db.doc, tableName, now: () => clock.now, retention });
  return { store, tableName, clock };
}

const firing = (over: Partial<FiringEvent> = {}): FiringEvent => ({
  ruleId: 'registered-user-faults',
  severity: 'page',
  title: 'Faults',
  source: 'alarm',
  at: START,
  test: false,
  silenced: false,
  impact: {
    affectedUsers: 3,
    anonymousRequests: 1,
    unattributedTraces: 0,
    totalTraces: 4,
    faults: 3,
    partial: false,
  },
  users: ['alice', 'bob', 'carol'],
  ...over,
});

async function items(f: Fixture): Promise<Map<string, Record<string, unknown>>> {
  const { Items } = await db.doc.send(new ScanCommand({ TableName: f.tableName, ConsistentRead: true }));
  return new Map((Items ?? []).map((i) => [`${String(i[K.partitionKey])} ${String(i[K.sortKey])}`, i]));
}

function expiryOf(all: Map<string, Record<string, unknown>>, match: (key: string) => boolean) {
  const found = [...all].filter(([key]) => match(key));
  expect(found.length, 'the item exists').toBeGreaterThan(0);
  return found.map(([, item]) => item[K.ttl]);
}

/** Opens an incident with usernames, pages it (root + email), records history and a reply. */
async function pagedIncident(f: Fixture) {
  const { incident } = await f.store.openOrAttach(firing(), 0);
  await f.store.history.record(incident.id, {
    at: START.toISOString(),
    eventId: 'evt-1',
    source: 'alarm',
    state: 'ALARM',
    summary: 'fired',
  });
  for (const channel of ['slack', 'email']) {
    const key = { eventKey: INCIDENT_EVENT_KEY, channel };
    await f.store.deliveries.claim(incident.id, key, 'me', 60_000);
    await f.store.deliveries.complete(incident.id, key, { ts: '1.2' });
  }
  const reply = { eventKey: 'evt-2', channel: 'slack-reply' };
  await f.store.deliveries.claim(incident.id, reply, 'me', 60_000);
  await f.store.deliveries.complete(incident.id, reply, { ts: '1.3' });
  await f.store.bindings.bind('evt-1', { incidentId: incident.id, change: 'opened' });
  return incident;
}

describe('retention of the alerts table', () => {
  it('gives every item kind its expiresAt: none for an open incident and what it still needs', async () => {
    const f = await fixture();
    const incident = await pagedIncident(f);
    const all = await items(f);
    const pk = `INC#${incident.id}`;
    const in90 = s(START) + 90 * 86_400;

    expect(expiryOf(all, (k) => k === `${pk} META`)).toEqual([undefined]);
    expect(expiryOf(all, (k) => k.startsWith(`${pk} DELIVERY#${INCIDENT_EVENT_KEY}#`))).toEqual([
      undefined,
      undefined,
    ]);
    expect(expiryOf(all, (k) => k === `${pk} USERS`)).toEqual([s(START) + 30 * 86_400]);
    expect(expiryOf(all, (k) => k.startsWith(`${pk} EVENT#`))).toEqual([in90]);
    expect(expiryOf(all, (k) => k === `${pk} DELIVERY#evt-2#slack-reply`)).toEqual([in90]);
    expect(expiryOf(all, (k) => k.includes('evt-1') && !k.startsWith(pk))).toEqual([in90]);
    // The rule's ledger holds the open span: the next event of the rule needs it.
    expect(expiryOf(all, (k) => k === 'RULE#registered-user-faults LEDGER')).toEqual([undefined]);
    // The usernames are not in the incident item: only their count is.
    expect(all.get(`${pk} META`)).not.toHaveProperty('users');
    expect(all.get(`${pk} META`)).toMatchObject({ usernameCount: 3 });
  });

  it('starts the incident clock when it resolves, and its own delivery records follow it', async () => {
    const f = await fixture();
    const incident = await pagedIncident(f);
    f.clock.now = new Date(START.getTime() + 10 * DAY_MS);
    const { incident: resolved } = await f.store.resolveSource(incident.ruleId, 'alarm', f.clock.now);
    const expected = s(f.clock.now) + 90 * 86_400;
    expect(resolved).toMatchObject({ state: 'resolved', expiresAt: expected });

    const all = await items(f);
    const pk = `INC#${incident.id}`;
    expect(expiryOf(all, (k) => k === `${pk} META`)).toEqual([expected]);
    expect(expiryOf(all, (k) => k.startsWith(`${pk} DELIVERY#${INCIDENT_EVENT_KEY}#`))).toEqual([
      expected,
      expected,
    ]);
    // No span open, nothing to publish: the ledger expires from its write too.
    expect(expiryOf(all, (k) => k === 'RULE#registered-user-faults LEDGER')).toEqual([expected]);
    // A later write (paged late) keeps the expiry it got when it resolved.
    f.clock.now = new Date(f.clock.now.getTime() + DAY_MS);
    expect(await f.store.markPaged(incident.id, f.clock.now)).toMatchObject({ expiresAt: expected });
  });

  it('drops the usernames after usernameDays and keeps the counts', async () => {
    const f = await fixture();
    const incident = await pagedIncident(f);
    f.clock.now = new Date(START.getTime() + 30 * DAY_MS + 1_000);

    // Expired, not yet deleted by DynamoDB: already gone for every read.
    for (const phase of ['before the sweep', 'after the sweep']) {
      const read = await f.store.get(incident.id);
      expect(read, phase).toMatchObject({
        users: [],
        usernamesExpired: true,
        usernameCount: 3,
        impact: { affectedUsers: 3, anonymousRequests: 1 },
        state: 'open',
      });
      const [listed] = await f.store.listStartedBetween(START, new Date(START.getTime() + DAY_MS));
      expect(listed, phase).toMatchObject({ id: incident.id, users: [], usernamesExpired: true });
      await sweepExpired({
        doc: db.doc,
        tableName: f.tableName,
        attribute: K.ttl,
        keys: [K.partitionKey, K.sortKey],
        now: () => f.clock.now,
      });
    }
    const all = await items(f);
    expect(all.has(`INC#${incident.id} USERS`)).toBe(false);
    expect(all.has(`INC#${incident.id} META`)).toBe(true);

    // New names after the old ones expired start a fresh list (the old names are not back).
    const later = await f.store.incidents.updateImpact(incident.id, firing().impact!, ['dave']);
    expect(later).toMatchObject({ users: ['dave'], usernamesExpired: true, usernameCount: 3 });
  });

  it('forgets a resolved incident after incidentDays, with everything recorded about it', async () => {
    const f = await fixture();
    const incident = await pagedIncident(f);
    await f.store.resolveSource(incident.ruleId, 'alarm', START);
    f.clock.now = new Date(START.getTime() + 90 * DAY_MS + 1_000);

    expect(await f.store.get(incident.id)).toBeUndefined();
    expect(await f.store.listStartedBetween(START, new Date(START.getTime() + DAY_MS))).toEqual([]);
    expect(await f.store.history.list(incident.id)).toEqual([]);
    expect(await f.store.bindings.find('evt-1')).toBeUndefined();

    const swept = await sweepExpired({
      doc: db.doc,
      tableName: f.tableName,
      attribute: K.ttl,
      keys: [K.partitionKey, K.sortKey],
      now: () => f.clock.now,
    });
    expect(swept.deleted).toBeGreaterThanOrEqual(7);
    const left = [...(await items(f)).keys()].filter(
      (k) => k.includes(incident.id) || k.includes('evt-1') || k.startsWith('RULE#'),
    );
    expect(left).toEqual([]);
  });

  it('never expires an open incident, however long it stays open', async () => {
    const f = await fixture();
    const incident = await pagedIncident(f);
    f.clock.now = new Date(START.getTime() + 400 * DAY_MS);
    await sweepExpired({
      doc: db.doc,
      tableName: f.tableName,
      attribute: K.ttl,
      keys: [K.partitionKey, K.sortKey],
      now: () => f.clock.now,
    });
    expect(await f.store.get(incident.id)).toMatchObject({ state: 'open', usernameCount: 3 });
    for (const channel of ['slack', 'email']) {
      expect(
        await f.store.deliveries.get(incident.id, { eventKey: INCIDENT_EVENT_KEY, channel }),
      ).toMatchObject({ status: 'sent' });
    }
  });
});
