/**
 * What the page's buttons write, on a real local DynamoDB: each a conditional write that a
 * retried or duplicated click, or a click racing another, cannot apply twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertsTable } from '../../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../../local/dynamodb';
import { alarmObservation } from '../../notifier/observation';
import type { Acknowledgement } from './model';
import { MAX_RUNTIME_SILENCES } from './silences';
import { createIncidentStore, type IncidentStore } from './store';

let db: LocalDynamoDb;
let table = 0;
const now = new Date('2026-11-23T10:10:00Z');

beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(async () => db?.close());

async function freshStore(): Promise<IncidentStore> {
  const tableName = `actions-${++table}`;
  await createAlertsTable(db.client, tableName);
  return createIncidentStore({ doc: db.doc, tableName, now: () => now });
}

const key = { ruleId: 'registered-user-faults', test: false };
const meta = { ruleId: key.ruleId, severity: 'page' as const, title: 'Faults', test: false, silenced: false };
const at = (minute: number) => new Date(Date.parse('2026-11-23T10:00:00Z') + minute * 60_000);
let seq = 0;
const alarm = (previous: 'OK' | 'ALARM', current: 'OK' | 'ALARM', minute: number, previousMinute: number) =>
  alarmObservation({
    eventId: `e${++seq}`,
    previous,
    current,
    at: at(minute),
    previousAt: at(previousMinute),
  });
const apply = (store: IncidentStore, observation: ReturnType<typeof alarm>) =>
  store.apply({ key, meta, observation, reopenWindowMs: 15 * 60_000, outboxEntry: () => undefined });

async function openIncident(store: IncidentStore): Promise<string> {
  const applied = await apply(store, alarm('OK', 'ALARM', 0, -60));
  return applied.incidentId!;
}

const ack = (by: string, minute: number): Acknowledgement => ({
  by,
  byName: by.toLowerCase(),
  at: at(minute).toISOString(),
  via: 'acknowledge',
});

describe('acknowledgement', () => {
  it('is written once: the first wins, later ones (and retries) change nothing, and the root’s version moves', async () => {
    const store = await freshStore();
    const id = await openIncident(store);
    const first = await store.incidents.acknowledge(id, ack('U0ALICE', 2));
    expect(first.outcome).toBe('acknowledged');
    const again = await store.incidents.acknowledge(id, ack('U0BOB', 3));
    expect(again).toMatchObject({ outcome: 'already', incident: { acknowledgement: { by: 'U0ALICE' } } });
    const stored = await store.incidents.get(id);
    expect(stored?.acknowledgement).toEqual(ack('U0ALICE', 2));
    expect(stored?.actionsVersion).toBe(1);
  });

  it('lets exactly one of many concurrent clicks acknowledge', async () => {
    const store = await freshStore();
    const id = await openIncident(store);
    const outcomes = await Promise.all(
      ['U0A1', 'U0A2', 'U0A3', 'U0A4', 'U0A5'].map((u) => store.incidents.acknowledge(id, ack(u, 2))),
    );
    expect(outcomes.filter((o) => o.outcome === 'acknowledged')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'already')).toHaveLength(4);
    expect((await store.incidents.get(id))?.actionsVersion).toBe(1);
  });

  it('leaves a resolved incident alone unless the acknowledgement comes with a manual resolve; an unknown one is not-found', async () => {
    const store = await freshStore();
    const id = await openIncident(store);
    await apply(store, alarm('ALARM', 'OK', 5, 0));
    expect((await store.incidents.acknowledge(id, ack('U0ALICE', 6))).outcome).toBe('resolved');
    expect((await store.incidents.get(id))?.acknowledgement).toBeUndefined();
    expect(
      (
        await store.incidents.acknowledge(
          id,
          { ...ack('U0ALICE', 6), via: 'resolve' },
          { whileResolved: true },
        )
      ).outcome,
    ).toBe('acknowledged');
    expect((await store.incidents.acknowledge('nope@x', ack('U0ALICE', 6))).outcome).toBe('not-found');
  });

  it('survives the mirror of a later event of the incident', async () => {
    const store = await freshStore();
    const id = await openIncident(store);
    await store.incidents.acknowledge(id, ack('U0ALICE', 2));
    await apply(store, alarm('ALARM', 'OK', 5, 0));
    const stored = await store.incidents.get(id);
    expect(stored).toMatchObject({ state: 'resolved', acknowledgement: { by: 'U0ALICE' } });
  });
});

describe('manual resolve through the store', () => {
  it('mirrors the resolve onto the incident, replays a retried click, and pages a later firing as a new incident', async () => {
    const store = await freshStore();
    const id = await openIncident(store);
    const resolve = { eventId: 'click-7', incidentId: id, at: at(4).getTime(), by: 'U0ALICE' };
    const first = await store.applyManualResolve({ key, meta, resolve });
    expect(first).toMatchObject({ change: 'resolved', firstProcessing: true, incidentId: id });
    expect(await store.incidents.get(id)).toMatchObject({
      state: 'resolved',
      resolvedAt: at(4).toISOString(),
      manualResolve: { by: 'U0ALICE', at: at(4).toISOString(), stillFiring: ['alarm'] },
    });
    const retried = await store.applyManualResolve({ key, meta, resolve });
    expect(retried).toMatchObject({ change: 'resolved', firstProcessing: false });

    const update = await apply(store, alarm('ALARM', 'ALARM', 6, 0));
    expect(update.change).toBe('opened');
    expect(update.incidentId).not.toBe(id);
    // The ALARM → OK that follows closes the new one; the pressed one keeps its manual end.
    await apply(store, alarm('ALARM', 'OK', 9, 6));
    expect(await store.incidents.get(id)).toMatchObject({ resolvedAt: at(4).toISOString() });
    expect(await store.incidents.get(update.incidentId!)).toMatchObject({ state: 'resolved' });
  });

  it('says already-resolved for an incident the alarm resolved first, and no-incident for one it does not know', async () => {
    const store = await freshStore();
    const id = await openIncident(store);
    await apply(store, alarm('ALARM', 'OK', 3, 0));
    const late = await store.applyManualResolve({
      key,
      meta,
      resolve: { eventId: 'click-8', incidentId: id, at: at(4).getTime(), by: 'U0ALICE' },
    });
    expect(late.change).toBe('already-resolved');
    expect((await store.incidents.get(id))?.manualResolve).toBeUndefined();
    const unknown = await store.applyManualResolve({
      key,
      meta,
      resolve: { eventId: 'click-9', incidentId: 'registered-user-faults@1999', at: 0, by: 'U0ALICE' },
    });
    expect(unknown.change).toBe('no-incident');
  });
});

describe('escalation steps', () => {
  it('records each step once and in order, never after an acknowledgement or a resolve', async () => {
    const store = await freshStore();
    const id = await openIncident(store);
    expect((await store.incidents.recordEscalation(id, 2, at(10))).outcome).toBe('out-of-order');
    expect((await store.incidents.recordEscalation(id, 1, at(5))).outcome).toBe('recorded');
    expect((await store.incidents.recordEscalation(id, 1, at(5))).outcome).toBe('already');
    await store.incidents.acknowledge(id, ack('U0ALICE', 7));
    expect((await store.incidents.recordEscalation(id, 2, at(10))).outcome).toBe('acknowledged');
    const stored = await store.incidents.get(id);
    expect(stored?.escalation?.steps).toEqual([{ step: 1, at: at(5).toISOString() }]);
    expect(stored?.actionsVersion).toBe(2);

    const other = await freshStore();
    const open = await openIncident(other);
    await apply(other, alarm('ALARM', 'OK', 3, 0));
    expect((await other.incidents.recordEscalation(open, 1, at(5))).outcome).toBe('resolved');
  });

  it('notes the waiting schedule, keeps the latest step’s, and forgets it only by its own name', async () => {
    const store = await freshStore();
    const id = await openIncident(store);
    const one = { step: 1, dueAt: at(5).toISOString(), schedule: 'esc-1' };
    const two = { step: 2, dueAt: at(10).toISOString(), schedule: 'esc-2' };
    await store.incidents.setEscalationPending(id, one);
    await store.incidents.setEscalationPending(id, two);
    await store.incidents.setEscalationPending(id, one);
    expect((await store.incidents.get(id))?.escalation?.pending).toEqual(two);
    await store.incidents.clearEscalationPending(id, 'esc-1');
    expect((await store.incidents.get(id))?.escalation?.pending).toEqual(two);
    await store.incidents.clearEscalationPending(id, 'esc-2');
    expect((await store.incidents.get(id))?.escalation).toEqual({ steps: [] });
    // A step already sent is never scheduled again.
    await store.incidents.recordEscalation(id, 1, at(5));
    await store.incidents.setEscalationPending(id, one);
    expect((await store.incidents.get(id))?.escalation?.pending).toBeUndefined();
  });
});

describe('runtime silences', () => {
  const silence = (id: string, fromMinute: number, minutes: number) => ({
    id,
    from: at(fromMinute).toISOString(),
    until: at(fromMinute + minutes).toISOString(),
    createdBy: 'U0ALICE',
    reason: 'Silenced from the page',
  });

  it('adds a silence once per interaction, even when two copies of the click race', async () => {
    const store = await freshStore();
    const outcomes = await Promise.all([
      store.silences.add(key.ruleId, silence('click-1', 10, 60), now),
      store.silences.add(key.ruleId, silence('click-1', 10, 60), now),
    ]);
    expect(outcomes.sort()).toEqual(['added', 'already']);
    await store.silences.add(key.ruleId, silence('click-2', 12, 240), now);
    expect((await store.silences.list(key.ruleId)).map((s) => s.id).sort()).toEqual(['click-1', 'click-2']);
    expect(await store.silences.list('other-rule')).toEqual([]);
  });

  it('keeps a bounded list, dropping silences that ended long ago first', async () => {
    const store = await freshStore();
    await store.silences.add(key.ruleId, silence('ancient', -24 * 60, 60), now);
    for (let i = 0; i < MAX_RUNTIME_SILENCES + 3; i++) {
      await store.silences.add(key.ruleId, silence(`s${i}`, i, 60), now);
    }
    const kept = await store.silences.list(key.ruleId);
    expect(kept).toHaveLength(MAX_RUNTIME_SILENCES);
    expect(kept.map((s) => s.id)).not.toContain('ancient');
    expect(kept.map((s) => s.id)).toContain(`s${MAX_RUNTIME_SILENCES + 2}`);
  });
});
