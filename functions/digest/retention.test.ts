/**
 * The digest after retention has done its work, on a real local DynamoDB: the known week of
 * test-support.ts, recorded at its digest's run time, then read again as the table is days,
 * weeks and months later (expired items filtered by the store, then deleted by the local TTL
 * sweep, as DynamoDB would).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import { digestLookbackDays } from '../../rules/retention-bounds';
import type { DigestConfig } from '../../rules/schema';
import { createAlertsTable } from '../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { sweepExpired } from '../../local/dynamodb-ttl';
import { ALERTS_TABLE_KEYS as K } from '../shared/alerts-table';
import { createIncidentStore, type IncidentStore } from '../shared/incidents/store';
import { buildDigest } from './run';
import { SAMPLE_DIGEST, SAMPLE_RUN_AT, sampleHistory, seedIncidents } from './test-support';

const DAY_MS = 86_400_000;
const later = (days: number) => new Date(SAMPLE_RUN_AT.getTime() + days * DAY_MS);

let db: LocalDynamoDb;
let tables = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(async () => db?.close());

interface Table {
  store: IncidentStore;
  clock: { now: Date };
  /** Moves the clock and runs the TTL sweep DynamoDB would have run by then. */
  age(days: number): Promise<void>;
}

/** The sample week, recorded as the notifier would have: every write at the digest's run time. */
async function recorded(): Promise<Table> {
  const tableName = `digest-retention-${++tables}`;
  await createAlertsTable(db.client, tableName);
  const clock = { now: SAMPLE_RUN_AT };
  const store = createIncidentStore({
    doc: db.doc,
    tableName,
    now: () => clock.now,
    retention: ruleSet.retention,
  });
  await seedIncidents(store, sampleHistory());
  return {
    store,
    clock,
    async age(days) {
      clock.now = later(days);
      await sweepExpired({
        doc: db.doc,
        tableName,
        attribute: K.ttl,
        keys: [K.partitionKey, K.sortKey],
        now: () => clock.now,
      });
    },
  };
}

const digestOf = async (t: Table, at: Date, config: DigestConfig = SAMPLE_DIGEST) =>
  (await buildDigest({ incidents: t.store, config, rules: ruleSet.rules }, at)).figures;

describe('the digest after retention', () => {
  it('is unchanged for every run the rule set schedules: usernames outlive the look-back', async () => {
    const t = await recorded();
    const asRecorded = await digestOf(t, SAMPLE_RUN_AT);
    expect(asRecorded.users).toEqual({ distinct: 14, lowerBound: true });

    // The latest a weekly run (with the Scheduler's retries) still reads this week.
    await t.age(digestLookbackDays('weekly') - 1);
    expect(await digestOf(t, SAMPLE_RUN_AT)).toEqual(asRecorded);
    // The next week's run compares against this one with every name still there.
    const next = await digestOf(t, later(7));
    expect(next.previous).toMatchObject({ incidents: 9, distinctUsers: 14, usersLowerBound: true });
  });

  it('counts customers from the counts once the usernames expired, and says it is a lower bound', async () => {
    const t = await recorded();
    const asRecorded = await digestOf(t, SAMPLE_RUN_AT, { ...SAMPLE_DIGEST, nameUsers: true });
    expect(asRecorded.users.names).toHaveLength(14);

    await t.age(ruleSet.retention.usernameDays + 1);
    const after = await digestOf(t, SAMPLE_RUN_AT, { ...SAMPLE_DIGEST, nameUsers: true });
    // The biggest single incident's own count (9): a floor, never a guess above what was seen.
    expect(after.users).toEqual({ distinct: 9, lowerBound: true, names: [] });
    expect(after.previous).toEqual({ ...asRecorded.previous, distinctUsers: 2, usersLowerBound: true });
    // Everything else the digest reports comes from the incident items, which are still there.
    const { users: _u, previous: _p, ...rest } = asRecorded;
    const { users: _u2, previous: _p2, ...restAfter } = after;
    expect(restAfter).toEqual(rest);
    expect(after.anonymousRequests).toBe(12 + 240 + 40 + 85 + 7);
  });

  it('forgets resolved incidents after incidentDays; the one still open stays', async () => {
    const t = await recorded();
    await t.age(ruleSet.retention.incidentDays + 1);
    const after = await digestOf(t, SAMPLE_RUN_AT);
    expect(after.incidents).toBe(1);
    expect(after.ongoing.map((i) => i.firstFiredAt.toISOString())).toEqual(['2026-11-22T22:10:00.000Z']);
    expect(after.previous).toMatchObject({ incidents: 0, distinctUsers: 0 });
    expect(after.testIncidentsExcluded).toBe(0);

    // The digest due then reports its own period only: none of the old week is in it.
    const due = await digestOf(t, later(ruleSet.retention.incidentDays + 1));
    expect(due.incidents).toBe(0);
  });
});
