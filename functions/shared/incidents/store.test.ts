import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../../local/dynamodb';
import { createAlertsTable } from '../../../local/alerts-table';
import type { Observation } from './decide';
import { createIncidentStore, utcDays, type ApplyInput, type IncidentStore } from './store';
import type { FiringEvent } from './transitions';

let db: LocalDynamoDb;
let clock = new Date('2026-11-23T10:00:00Z');
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
const key = { ruleId: 'registered-user-faults', test: false };
const meta = { ruleId: key.ruleId, severity: 'page' as const, title: 'Faults', test: false, silenced: false };
const ms = (iso: string) => Date.parse(iso);
const applyInput = (observation: Observation): ApplyInput => ({
  key,
  meta,
  observation,
  reopenWindowMs: WINDOW,
  outboxEntry: (c) => ({
    incidentId: c.incidentId,
    change: c.change,
    version: c.version,
    trigger: {
      eventId: observation.eventId,
      kind: observation.source,
      state: 'firing',
      at: '2026-11-23T10:00:00.000Z',
    },
    links: {},
  }),
});

describe('incident store on a real local DynamoDB', () => {
  it('opens once, attaches the Insight of the same rule, and resolves when both cleared', async () => {
    const store = await freshStore();
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
    expect((await store.resolveSource(key.ruleId, 'alarm', new Date('2026-11-23T10:05:00Z'))).change).toBe(
      'still-open',
    );
    const done = await store.resolveSource(key.ruleId, 'insight', new Date('2026-11-23T10:06:00Z'));
    expect(done).toMatchObject({
      change: 'resolved',
      incident: { state: 'resolved', resolvedAt: '2026-11-23T10:06:00.000Z' },
    });
    expect((await store.resolveSource('other-rule', 'alarm', new Date())).change).toBe('no-incident');
  });

  it('turns 20 concurrent firings of one rule into a single incident, decided one after the other', async () => {
    const store = await freshStore();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.openOrAttach(event({ at: new Date(Date.parse('2026-11-23T10:00:00Z') + i) }), WINDOW),
      ),
    );
    expect(new Set(results.map((r) => r.incident.id)).size).toBe(1);
    expect(results.filter((r) => r.change === 'opened')).toHaveLength(1);
  });

  it('applies an event once: a replay (or a twin) gets the first decision back', async () => {
    const store = await freshStore();
    const fire: Observation = {
      eventId: 'e1',
      source: 'alarm',
      state: 'firing',
      asOf: ms('2026-11-23T10:00:00Z'),
      firing: [ms('2026-11-23T10:00:00Z'), ms('2026-11-23T10:00:00Z')],
    };
    const twins = await Promise.all([store.apply(applyInput(fire)), store.apply(applyInput(fire))]);
    expect(twins.map((t) => t.change)).toEqual(['opened', 'opened']);
    expect(twins.filter((t) => t.firstProcessing)).toHaveLength(1);
    expect((await store.outbox.pending(key)).map((e) => e.change)).toEqual(['opened']);
  });

  it('mirrors the ledger after a crash between the two writes, and never moves an incident backwards', async () => {
    const store = await freshStore();
    const at = ms('2026-11-23T10:00:00Z');
    await store.apply(
      applyInput({ eventId: 'e1', source: 'alarm', state: 'firing', asOf: at, firing: [at, at] }),
    );
    const resolved = await store.apply(
      applyInput({
        eventId: 'e2',
        source: 'alarm',
        state: 'ok',
        asOf: at + 60_000,
        firing: [at, at + 60_000],
      }),
    );
    const id = resolved.incidentId!;
    expect(await store.get(id)).toMatchObject({ state: 'resolved', spanVersion: 2 });
    // A late mirror of the first version changes nothing.
    const { ledger } = await store.ledgers.get(key);
    await store.incidents.mirror({ ...ledger.spans[0]!, state: 'open', version: 1 }, meta);
    expect(await store.get(id)).toMatchObject({ state: 'resolved', spanVersion: 2 });
  });

  it('keeps test alerts apart from real incidents of the same rule', async () => {
    const store = await freshStore();
    const real = await store.openOrAttach(event(), WINDOW);
    const test = await store.openOrAttach(event({ source: 'test', test: true }), WINDOW);
    expect(test.change).toBe('opened');
    expect(test.incident.id).not.toBe(real.incident.id);
  });

  it('records the Slack root once and the first page time once', async () => {
    const store = await freshStore();
    const { incident } = await store.openOrAttach(event(), WINDOW);
    await store.incidents.setSlackRoot(incident.id, { channel: 'C1', rootTs: '1.000' });
    const second = await store.incidents.setSlackRoot(incident.id, { channel: 'C1', rootTs: '2.000' });
    expect(second?.slack).toEqual({ channel: 'C1', rootTs: '1.000' });
    await store.markPaged(incident.id, new Date('2026-11-23T10:00:30Z'));
    const later = await store.markPaged(incident.id, new Date('2026-11-23T10:09:00Z'));
    expect(later?.pagedAt).toBe('2026-11-23T10:00:30.000Z');
  });

  it('claims a delivery once, holds it for its lease, lets a retry take over an expired one, and skips what was sent', async () => {
    const store = await freshStore();
    const { incident } = await store.openOrAttach(event(), WINDOW);
    const slack = { eventKey: 'evt-1', channel: 'slack' };
    clock = new Date('2026-11-23T10:00:00Z');
    expect(await store.deliveries.claim(incident.id, slack, 'a', 30_000)).toMatchObject({
      status: 'claimed',
      takeover: false,
    });
    expect(await store.deliveries.claim(incident.id, slack, 'b', 30_000)).toEqual({
      status: 'held',
      leaseUntil: Date.parse('2026-11-23T10:00:30Z'),
    });
    clock = new Date('2026-11-23T10:00:31Z');
    expect(await store.deliveries.claim(incident.id, slack, 'b', 30_000)).toMatchObject({
      status: 'claimed',
      takeover: true,
      previous: { status: 'sending', owner: 'a' },
    });
    // The slow first holder cannot release the claim the retry took over.
    await store.deliveries.release(incident.id, slack, 'a');
    expect((await store.deliveries.get(incident.id, slack))?.owner).toBe('b');
    expect(await store.deliveries.complete(incident.id, slack, { ts: '1.0' })).toBe('completed');
    expect(await store.deliveries.complete(incident.id, slack, { ts: '2.0' })).toBe('already-sent');
    expect(await store.deliveries.claim(incident.id, slack, 'c', 30_000)).toMatchObject({
      status: 'sent',
      record: { status: 'sent', sentAt: '2026-11-23T10:00:31.000Z', detail: { ts: '1.0' } },
    });
    const email = { eventKey: 'evt-1', channel: 'email' };
    expect((await store.deliveries.claim(incident.id, email, 'a', 30_000)).status).toBe('claimed');
    await store.deliveries.release(incident.id, email, 'a');
    // Released, not forgotten: the next holder is told an earlier one may have sent.
    expect(await store.deliveries.claim(incident.id, email, 'b', 30_000)).toMatchObject({
      status: 'claimed',
      takeover: true,
      previous: { status: 'sending', owner: 'a' },
    });
  });

  it('keeps history idempotent per event, read back through the paginator', async () => {
    const store = await freshStore();
    const { incident } = await store.openOrAttach(event(), WINDOW);
    const entry = {
      at: '2026-11-23T10:00:00.000Z',
      eventId: 'e1',
      source: 'alarm' as const,
      state: 'firing',
      summary: 's',
    };
    await store.history.record(incident.id, entry);
    await store.history.record(incident.id, entry);
    expect(await store.history.list(incident.id)).toEqual([entry]);
  });

  it('lists incidents by the period they started in, across UTC days, without a scan', async () => {
    const store = await freshStore();
    const starts = [
      '2026-11-15T23:59:59Z',
      '2026-11-16T00:00:00Z',
      '2026-11-18T12:00:00Z',
      '2026-11-22T23:59:59.999Z',
      '2026-11-23T00:00:00Z',
    ];
    for (const [i, s] of starts.entries())
      await store.openOrAttach(event({ ruleId: `rule-${i}`, at: new Date(s) }), WINDOW);
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
