/**
 * The rule ledger item (`RULE#<ruleId>[#TEST]` / `LEDGER`): the incident decision's state
 * (decide.ts) and the `Incident Updated` events its decisions still owe (the outbox). Both
 * live in one item so a decision and the events it causes are written by one conditional put:
 * no transactions needed, and a crash after the write loses neither.
 *
 * Written with optimistic locking on `version`; the outbox is bounded (MAX_OUTBOX, oldest
 * dropped with a log line by the caller) so a bus that stays broken cannot grow the item past
 * DynamoDB's 400 KB.
 *
 * Retention (retention.ts): a ledger with an open incident or an event still to publish never
 * expires; otherwise it expires `retention.incidentDays` after its last write, and the rule's
 * next event starts a fresh one. A ledger past its `expiresAt` is read as empty and may be
 * overwritten, whether or not DynamoDB has deleted it yet.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ALERTS_TABLE_KEYS as K, LEDGER, rulePk } from '../alerts-table';
import { EMPTY_LEDGER, type RuleLedger } from './decide';
import { alertSourceSchema } from './model';
import { createExpiry, DEFAULT_RETENTION, type Expiry } from './retention';
import type { LedgerItem, Outbox, OutboxEntry, RuleLedgers } from './types';
import type { Optimistic } from './optimistic';

export const MAX_OUTBOX = 100;

const interval = z.tuple([z.number(), z.number()]);
const bySource = <T extends z.ZodType>(value: T) => z.partialRecord(alertSourceSchema, value);
const changeSchema = z.string() as z.ZodType<RuleLedger['applied'][number]['change']>;

const ledgerSchema = z.object({
  sources: bySource(
    z.object({
      state: z.enum(['firing', 'ok']),
      asOf: z.number(),
      eventId: z.string(),
      spanId: z.string().optional(),
    }),
  ),
  spans: z.array(
    z.object({
      id: z.string(),
      state: z.enum(['open', 'resolved']),
      firstFiredAt: z.number(),
      lastFiringAt: z.number(),
      lastEventAt: z.number(),
      resolvedAt: z.number().optional(),
      activeSources: z.array(alertSourceSchema),
      sources: z.array(alertSourceSchema),
      reopenedCount: z.number(),
      evidence: bySource(z.array(interval)),
      version: z.number(),
      manualResolve: z
        .object({ at: z.number(), by: z.string(), stillFiring: z.array(alertSourceSchema) })
        .optional(),
    }),
  ),
  quiet: bySource(z.array(interval)),
  applied: z.array(
    z.object({ eventId: z.string(), incidentId: z.string().optional(), change: changeSchema }),
  ),
});

const outboxSchema = z.object({
  incidentId: z.string(),
  change: changeSchema,
  version: z.number(),
  trigger: z.object({
    eventId: z.string(),
    kind: alertSourceSchema,
    state: z.enum(['firing', 'updated', 'resolved', 'insufficient_data']),
    at: z.string(),
  }),
  links: z.object({
    alarm: z.string().optional(),
    insight: z.string().optional(),
    traces: z.string().optional(),
  }),
});

const itemSchema = z.object({
  version: z.number(),
  ledger: ledgerSchema,
  outbox: z.array(outboxSchema).default([]),
});

export function ledgerKey(key: { ruleId: string; test: boolean }) {
  return { [K.partitionKey]: rulePk(key.ruleId) + (key.test ? '#TEST' : ''), [K.sortKey]: LEDGER };
}

export interface LedgerStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  expiry?: Expiry;
}

/** Nothing may be lost while a span is open or an `Incident Updated` is owed. */
function ledgerTtl(next: Omit<LedgerItem, 'version'>, expiry: Expiry): { expiresAt?: number } {
  const needed = next.outbox.length > 0 || next.ledger.spans.some((s) => s.state === 'open');
  return needed ? {} : { [K.ttl]: expiry.record() };
}

export function createRuleLedgers(options: LedgerStoreOptions): RuleLedgers {
  const { doc, tableName: TableName } = options;
  const expiry = options.expiry ?? createExpiry(DEFAULT_RETENTION, () => new Date());
  return {
    async get(key) {
      const { Item } = await doc.send(
        new GetCommand({ TableName, Key: ledgerKey(key), ConsistentRead: true }),
      );
      const live = expiry.live(Item);
      if (!live) return { ledger: EMPTY_LEDGER, outbox: [], version: 0 };
      const parsed = itemSchema.parse(live);
      return {
        ledger: parsed.ledger as RuleLedger,
        outbox: parsed.outbox as OutboxEntry[],
        version: parsed.version,
      };
    },

    async put(key, next, expected) {
      const absent = expiry.absent();
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...ledgerKey(key),
              ledger: next.ledger,
              outbox: next.outbox,
              version: expected + 1,
              ...ledgerTtl(next, expiry),
            },
            ConditionExpression: expected === 0 ? absent.expression : '#v = :expected',
            ExpressionAttributeNames: expected === 0 ? absent.names : { '#v': 'version' },
            ExpressionAttributeValues: expected === 0 ? absent.values : { ':expected': expected },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}

/** The outbox half of the ledger item. */
export function createOutbox(ledgers: RuleLedgers, retry: Optimistic): Outbox {
  const same = (a: OutboxEntry, b: OutboxEntry) =>
    a.incidentId === b.incidentId && a.change === b.change && a.version === b.version;
  return {
    async pending(key) {
      return (await ledgers.get(key)).outbox;
    },
    async remove(key, done) {
      if (done.length === 0) return;
      await retry('removing published events from the outbox', async () => {
        const item = await ledgers.get(key);
        const outbox = item.outbox.filter((e) => !done.some((d) => same(d, e)));
        if (outbox.length === item.outbox.length) return true;
        return (await ledgers.put(key, { ledger: item.ledger, outbox }, item.version)) ? true : undefined;
      });
    },
  };
}
