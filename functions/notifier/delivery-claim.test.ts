/**
 * Claims are done or retried, never assumed: a claim another invocation holds is waited for
 * or fails retryably, and a claim left by a killed invocation has expired by the time Lambda
 * retries, whatever the function timeout.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ASYNC_RETRY_ATTEMPTS, NOTIFIER_TIMEOUT } from '../../infra/constructs/notifier';
import { createAlertsTable } from '../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { createIncidentStore, type IncidentStore } from '../shared/incidents/store';
import { invocationBudget } from './budget';
import { CLAIM_POLL_MS, leaseFor, sendOnce, type ClaimDeps } from './delivery-claim';
import { EMAIL_SEND } from './deliver-email';
import { SLACK_SEND } from './deliver-slack';
import { RetryableError } from './errors';
import { fakeClock, type FakeClock } from './test-support';

/** Lambda retries a failed async invocation about a minute, then two minutes, after it ends. */
const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];

let db: LocalDynamoDb;
let store: IncidentStore;
let clock: FakeClock;
let tables = 0;
const key = { eventKey: 'incident', channel: 'email' };

beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(() => db?.close());
beforeEach(async () => {
  const tableName = `claims-${++tables}`;
  await createAlertsTable(db.client, tableName);
  clock = fakeClock('2026-03-02T10:00:00Z');
  store = createIncidentStore({ doc: db.doc, tableName, now: clock.now });
});

const claims = (owner: string): ClaimDeps => ({
  deliveries: store.deliveries,
  owner,
  now: clock.now,
  sleep: clock.sleep,
  probe: async () => undefined,
});
const budgetFor = (timeoutMs: number) =>
  invocationBudget({ getRemainingTimeInMillis: () => timeoutMs }, clock.now);

describe('claim leases and the retry schedule', () => {
  it('keeps every lease shorter than the wait before Lambda’s first retry', () => {
    expect(ASYNC_RETRY_ATTEMPTS).toBe(LAMBDA_RETRY_DELAYS_MS.length);
    for (const bound of [SLACK_SEND, EMAIL_SEND]) {
      expect(leaseFor(bound)).toBeLessThan(LAMBDA_RETRY_DELAYS_MS[0]!);
    }
  });

  it.each([NOTIFIER_TIMEOUT.toSeconds(), 120, 300, 900])(
    'lets the first retry send what an invocation with a %i s timeout claimed and died on',
    async (timeoutSeconds) => {
      const sends: string[] = [];
      // The killed invocation: it claimed and never got further (no release, no complete).
      const claimed = await store.deliveries.claim('inc', key, 'killed', leaseFor(EMAIL_SEND));
      expect(claimed.status).toBe('claimed');
      // It ran until its timeout; Lambda retries a minute after that, at the earliest.
      clock.advance(Math.min(timeoutSeconds * 1000, 2_000) + LAMBDA_RETRY_DELAYS_MS[0]!);
      const outcome = await sendOnce(
        claims('retry'),
        { incidentId: 'inc', key, bound: EMAIL_SEND, budget: budgetFor(timeoutSeconds * 1000) },
        async ({ takeover }) => {
          sends.push(takeover ? 'takeover' : 'fresh');
          return {};
        },
      );
      expect(outcome).toBe('sent');
      expect(sends).toEqual(['takeover']);
      expect(clock.sleeps).toEqual([]);
    },
  );

  it('never counts a live claim as sent: waits for its holder within the budget', async () => {
    await store.deliveries.claim('inc', key, 'twin', leaseFor(EMAIL_SEND));
    let polls = 0;
    const deps = claims('me');
    deps.sleep = async (ms) => {
      await clock.sleep(ms);
      // The twin finishes after a few polls.
      if (++polls === 3) await store.deliveries.complete('inc', key, { messageId: 'm-1' });
    };
    const outcome = await sendOnce(
      deps,
      { incidentId: 'inc', key, bound: EMAIL_SEND, budget: budgetFor(60_000) },
      async () => {
        throw new Error('must not send: the twin did');
      },
    );
    expect(outcome).toBe('already-sent');
    expect(clock.sleeps).toEqual([CLAIM_POLL_MS, CLAIM_POLL_MS, CLAIM_POLL_MS]);
  });

  it('fails retryably, saying how long to wait, when the holder’s lease outlasts the budget', async () => {
    await store.deliveries.claim('inc', key, 'twin', leaseFor(EMAIL_SEND));
    const failure = sendOnce(
      claims('me'),
      { incidentId: 'inc', key, bound: EMAIL_SEND, budget: budgetFor(5_000) },
      async () => ({}),
    );
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    await expect(failure).rejects.toMatchObject({ retryAfterMs: leaseFor(EMAIL_SEND) + 1 });
  });

  it('takes over a holder that died while waiting for it, once its lease runs out', async () => {
    await store.deliveries.claim('inc', key, 'dead', leaseFor(EMAIL_SEND));
    const outcome = await sendOnce(
      claims('me'),
      { incidentId: 'inc', key, bound: EMAIL_SEND, budget: budgetFor(60_000) },
      async () => ({}),
    );
    expect(outcome).toBe('sent');
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(leaseFor(EMAIL_SEND));
  });

  it('gives each send at most its own bound, however long the invocation', async () => {
    let given = 0;
    await sendOnce(
      claims('me'),
      { incidentId: 'inc', key, bound: EMAIL_SEND, budget: budgetFor(900_000) },
      async ({ budget }) => {
        given = budget.remainingMs();
        return {};
      },
    );
    expect(given).toBe(EMAIL_SEND.maxMs);
  });
});
