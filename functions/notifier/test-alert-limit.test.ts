import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertsTable } from '../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { testLimitPk, testLimitSk } from '../shared/alerts-table';
import { RetryableError } from './errors';
import { createTestAlertLimiter, testAlertGate, type TestAlertLimiter } from './test-alert-limit';
import { parseEvent } from './parse';
import { fixture, recordingLogger, withValue } from './test-support';

let db: LocalDynamoDb;
let tables = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(() => db?.close());

async function limiter(max = 6): Promise<{ limiter: TestAlertLimiter; table: string }> {
  const table = `limit-${++tables}`;
  await createAlertsTable(db.client, table);
  return {
    limiter: createTestAlertLimiter({ doc: db.doc, tableName: table, maxPerRulePerHour: max }),
    table,
  };
}

const T = new Date('2026-03-02T10:15:00Z');

describe('test-alert rate limit', () => {
  it('admits the first six of a rule in an hour and refuses the seventh', async () => {
    const { limiter: l } = await limiter();
    const results = [];
    for (let i = 1; i <= 7; i++) results.push(await l.admit('registered-user-faults', `e-${i}`, T));
    expect(results).toEqual([true, true, true, true, true, true, false]);
  });

  it('counts per rule and per clock hour', async () => {
    const { limiter: l } = await limiter(1);
    expect(await l.admit('a', 'e-1', T)).toBe(true);
    expect(await l.admit('a', 'e-2', T)).toBe(false);
    expect(await l.admit('b', 'e-3', T)).toBe(true);
    expect(await l.admit('a', 'e-4', new Date('2026-03-02T11:00:00Z'))).toBe(true);
  });

  it('admits a duplicate or retry of an admitted event even at the limit, without using quota', async () => {
    const { limiter: l } = await limiter(2);
    expect(await l.admit('a', 'e-1', T)).toBe(true);
    expect(await l.admit('a', 'e-1', T)).toBe(true);
    expect(await l.admit('a', 'e-2', T)).toBe(true);
    expect(await l.admit('a', 'e-1', T)).toBe(true);
    expect(await l.admit('a', 'e-3', T)).toBe(false);
  });

  it('holds under concurrency: twenty at once, six admitted', async () => {
    const { limiter: l } = await limiter(6);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => l.admit('a', `c-${i}`, T)));
    expect(results.filter(Boolean)).toHaveLength(6);
  });

  it('lets the hour item expire an hour after its window ends', async () => {
    const { limiter: l, table } = await limiter();
    await l.admit('a', 'e-1', T);
    const item = await db.doc.send(
      new GetCommand({ TableName: table, Key: { pk: testLimitPk('a'), sk: testLimitSk(T) } }),
    );
    expect(item.Item?.['expiresAt']).toBe(Date.parse('2026-03-02T12:00:00Z') / 1000);
    expect([...(item.Item?.['eventIds'] as Set<string>)]).toEqual(['e-1']);
  });
});

describe('testAlertGate', () => {
  const ctx = { namePrefix: 'uia', accounts: ['123456789012'], logger: recordingLogger() };
  const alertOf = (event: unknown) => {
    const result = parseEvent(event, ctx);
    if (result.kind !== 'alert') throw new Error(result.reason);
    return result.alert;
  };

  it('lets real alerts through without asking the limiter', async () => {
    const logger = recordingLogger();
    const never: TestAlertLimiter = { admit: () => Promise.reject(new Error('must not be called')) };
    const alarm = alertOf(fixture('alarm-threshold'));
    expect(
      await testAlertGate(alarm, { testAlertLimiter: never, maxPerRulePerHour: 6, now: () => T, logger }),
    ).toBeUndefined();
  });

  it('ignores a test alert over the limit with a warning that says why, instead of failing it', async () => {
    const logger = recordingLogger();
    const full: TestAlertLimiter = { admit: async () => false };
    const test = alertOf(withValue(fixture('test-alert'), ['region'], 'us-east-1'));
    const result = await testAlertGate(test, {
      testAlertLimiter: full,
      maxPerRulePerHour: 6,
      now: () => T,
      logger,
    });
    expect(result).toEqual({
      kind: 'ignored',
      reason:
        'test alert rate limit reached: at most 6 test alerts per rule per hour (rule registered-user-faults)',
    });
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', message: 'ignoring event' })]);
  });

  it('makes a limiter outage retryable (the event is fine, the moment was not)', async () => {
    const down: TestAlertLimiter = {
      admit: () => Promise.reject(new Error('ProvisionedThroughputExceeded')),
    };
    const test = alertOf(fixture('test-alert'));
    await expect(
      testAlertGate(test, {
        testAlertLimiter: down,
        maxPerRulePerHour: 6,
        now: () => T,
        logger: recordingLogger(),
      }),
    ).rejects.toBeInstanceOf(RetryableError);
  });
});
