/**
 * Incident state and history in the alerts table, written with conditional writes only
 * (the table must also run on dynalite, which has no transactions).
 *
 * Concurrency: the rule's `CURRENT` pointer is claimed with a compare-and-set before the
 * incident item is written, so two events racing to open an incident end up in one; every
 * later change to the incident is an optimistic update on its `version`.
 *
 * Deliveries: a per-(event, channel) record is *claimed* before sending (with a lease, so a
 * crashed sender does not block the retry forever) and marked `sent` only after the send
 * succeeded; a failed send releases the claim so the platform's retry re-sends just that
 * channel.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  ALERTS_TABLE_KEYS as K,
  CURRENT,
  META,
  dayPk,
  daySk,
  deliverySk,
  eventSk,
  incidentPk,
  rulePk,
} from '../alerts-table';
import { incidentSchema, type AlertSource, type Impact, type Incident } from './model';
import {
  attachFiring,
  clearSource,
  decideFiring,
  openIncident,
  recordImpact,
  reopenIncident,
  type FiringEvent,
} from './transitions';

export interface IncidentStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
  /** Attempts for one optimistic update before giving up. @default 25 */
  maxAttempts?: number;
  /** Back-off between contended attempts (injected so tests can count them). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A pointer whose incident item is not there yet belongs to a creator still in flight;
 * only after this long is it taken for a crashed creator and replaced.
 */
const POINTER_SETTLE_MS = 5_000;

export type FiringChange = 'opened' | 'attached' | 'reopened';
export type ResolveChange = 'resolved' | 'still-open' | 'no-incident' | 'already-resolved';
export type ClaimResult = 'claimed' | 'sent' | 'in-progress';

export interface DeliveryRecord {
  status: 'sending' | 'sent';
  sentAt?: string;
  detail?: Record<string, string>;
}

export interface HistoryEntry {
  at: string;
  eventId: string;
  source: AlertSource;
  state: string;
  summary: string;
}

/** The store gave up on a contended update; retryable by nature. */
export class IncidentConflictError extends Error {
  override readonly name = 'IncidentConflictError';
}

const pointerSchema = z.object({ incidentId: z.string(), claimedAt: z.number() });
const deliverySchema = z.object({
  status: z.enum(['sending', 'sent']),
  leaseUntil: z.number().optional(),
  sentAt: z.string().optional(),
  detail: z.record(z.string(), z.string()).optional(),
});

export function createIncidentStore(options: IncidentStoreOptions) {
  const { doc, tableName: TableName } = options;
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.maxAttempts ?? 25;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const backOff = (attempt: number) => sleep(Math.random() * 10 * (attempt + 1));

  async function get(id: string): Promise<Incident | undefined> {
    const { Item } = await doc.send(
      new GetCommand({
        TableName,
        Key: { [K.partitionKey]: incidentPk(id), [K.sortKey]: META },
        ConsistentRead: true,
      }),
    );
    return Item ? incidentSchema.parse(Item) : undefined;
  }

  async function pointerOf(ruleId: string, test: boolean) {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: pointerKey(ruleId, test), ConsistentRead: true }),
    );
    return Item ? pointerSchema.parse(Item) : undefined;
  }

  async function currentId(ruleId: string, test: boolean): Promise<string | undefined> {
    return (await pointerOf(ruleId, test))?.incidentId;
  }

  async function findCurrent(ruleId: string, test = false): Promise<Incident | undefined> {
    const id = await currentId(ruleId, test);
    return id ? get(id) : undefined;
  }

  function item(incident: Incident): Record<string, unknown> {
    return {
      ...incident,
      [K.partitionKey]: incidentPk(incident.id),
      [K.sortKey]: META,
      [K.byDayPartitionKey]: dayPk(incident.firstFiredAt),
      [K.byDaySortKey]: daySk(incident.firstFiredAt, incident.id),
    };
  }

  /** Writes `next` if the stored version is still `next.version - 1`. */
  async function putVersioned(next: Incident): Promise<boolean> {
    try {
      await doc.send(
        new PutCommand({
          TableName,
          Item: item(next),
          ConditionExpression: next.version === 1 ? 'attribute_not_exists(#pk)' : '#v = :prev',
          ExpressionAttributeNames: next.version === 1 ? { '#pk': K.partitionKey } : { '#v': 'version' },
          ...(next.version === 1 ? {} : { ExpressionAttributeValues: { ':prev': next.version - 1 } }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Points the rule at `id` if it still points at `expected` (or nowhere). */
  async function movePointer(ruleId: string, test: boolean, id: string, expected: string | undefined) {
    try {
      await doc.send(
        new PutCommand({
          TableName,
          Item: { ...pointerKey(ruleId, test), incidentId: id, claimedAt: now().getTime() },
          ConditionExpression:
            expected === undefined ? 'attribute_not_exists(#pk)' : 'incidentId = :expected',
          ...(expected === undefined
            ? { ExpressionAttributeNames: { '#pk': K.partitionKey } }
            : { ExpressionAttributeValues: { ':expected': expected } }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Finds the rule's current incident, or opens/reopens one, race-free. */
  async function openOrAttach(
    event: FiringEvent,
    reopenWindowMs: number,
  ): Promise<{ incident: Incident; change: FiringChange }> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await backOff(attempt);
      const pointer = await pointerOf(event.ruleId, event.test);
      const current = pointer ? await get(pointer.incidentId) : undefined;
      if (pointer && !current && now().getTime() - pointer.claimedAt < POINTER_SETTLE_MS) continue;
      const decision = decideFiring(current, event.at, reopenWindowMs);
      if (current && decision === 'attach') {
        const next = attachFiring(current, event);
        if (await putVersioned(next)) return { incident: next, change: 'attached' };
        continue;
      }
      if (current && decision === 'reopen') {
        const next = reopenIncident(current, event);
        if (await putVersioned(next)) return { incident: next, change: 'reopened' };
        continue;
      }
      const fresh = openIncident(event);
      if (!(await movePointer(event.ruleId, event.test, fresh.id, pointer?.incidentId))) continue;
      if (await putVersioned(fresh)) return { incident: fresh, change: 'opened' };
      // Same id written by a racing twin with the same timestamp: attach on the next pass.
    }
    throw new IncidentConflictError(`could not open or attach an incident for rule ${event.ruleId}`);
  }

  async function update(id: string, change: (incident: Incident) => Incident | undefined) {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await backOff(attempt);
      const current = await get(id);
      if (!current) return undefined;
      const next = change(current);
      if (!next) return current;
      if (await putVersioned(next)) return next;
    }
    throw new IncidentConflictError(`incident ${id} kept changing under us`);
  }

  async function resolveSource(
    ruleId: string,
    source: AlertSource,
    at: Date,
    test = false,
  ): Promise<{ incident: Incident | undefined; change: ResolveChange }> {
    const id = await currentId(ruleId, test);
    if (!id) return { incident: undefined, change: 'no-incident' };
    let change: ResolveChange = 'still-open';
    const incident = await update(id, (current) => {
      if (current.state === 'resolved') {
        change = 'already-resolved';
        return undefined;
      }
      const next = clearSource(current, source, at);
      change = next.state === 'resolved' ? 'resolved' : 'still-open';
      return next;
    });
    return { incident, change: incident ? change : 'no-incident' };
  }

  return {
    get,
    findCurrent,
    openOrAttach,
    resolveSource,

    updateImpact: (id: string, impact: Impact, users: readonly string[]) =>
      update(id, (current) => recordImpact(current, impact, users)),

    /** Records the Slack root message once; a second caller gets the first root back. */
    setSlackRoot: (id: string, slack: NonNullable<Incident['slack']>) =>
      update(id, (current) =>
        current.slack ? undefined : { ...current, slack, version: current.version + 1 },
      ),

    markPaged: (id: string, at: Date) =>
      update(id, (current) =>
        current.pagedAt ? undefined : { ...current, pagedAt: at.toISOString(), version: current.version + 1 },
      ),

    /** Idempotent: the same event written twice is one history entry. */
    async recordHistory(id: string, entry: HistoryEntry): Promise<void> {
      await doc.send(
        new PutCommand({
          TableName,
          Item: { [K.partitionKey]: incidentPk(id), [K.sortKey]: eventSk(entry.at, entry.eventId), ...entry },
        }),
      );
    },

    async history(id: string): Promise<HistoryEntry[]> {
      const items = await queryAll({
        TableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': K.partitionKey, '#sk': K.sortKey },
        ExpressionAttributeValues: { ':pk': incidentPk(id), ':prefix': 'EVENT#' },
      });
      return items.map((i) => ({
        at: String(i.at),
        eventId: String(i.eventId),
        source: i.source as AlertSource,
        state: String(i.state),
        summary: String(i.summary),
      }));
    },

    /**
     * Claims the right to send `eventKey` on `channel`. `sent`: already delivered, skip.
     * `in-progress`: another invocation holds a live lease and owns the send.
     */
    async claimDelivery(
      id: string,
      eventKey: string,
      channel: string,
      leaseMs: number,
    ): Promise<ClaimResult> {
      const nowMs = now().getTime();
      const key = { [K.partitionKey]: incidentPk(id), [K.sortKey]: deliverySk(eventKey, channel) };
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: { ...key, status: 'sending', leaseUntil: nowMs + leaseMs },
            ConditionExpression: 'attribute_not_exists(#pk) OR (#status = :sending AND leaseUntil < :now)',
            ExpressionAttributeNames: { '#pk': K.partitionKey, '#status': 'status' },
            ExpressionAttributeValues: { ':sending': 'sending', ':now': nowMs },
          }),
        );
        return 'claimed';
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const { Item } = await doc.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
        return Item && deliverySchema.parse(Item).status === 'sent' ? 'sent' : 'in-progress';
      }
    },

    /** Written only after the channel accepted the message. */
    async completeDelivery(
      id: string,
      eventKey: string,
      channel: string,
      detail: Record<string, string> = {},
    ) {
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            [K.partitionKey]: incidentPk(id),
            [K.sortKey]: deliverySk(eventKey, channel),
            status: 'sent',
            sentAt: now().toISOString(),
            detail,
          },
        }),
      );
    },

    /** Gives a failed claim back so the retry can send. */
    async releaseDelivery(id: string, eventKey: string, channel: string): Promise<void> {
      try {
        await doc.send(
          new DeleteCommand({
            TableName,
            Key: { [K.partitionKey]: incidentPk(id), [K.sortKey]: deliverySk(eventKey, channel) },
            ConditionExpression: '#status = :sending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':sending': 'sending' },
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    },

    async delivery(id: string, eventKey: string, channel: string): Promise<DeliveryRecord | undefined> {
      const { Item } = await doc.send(
        new GetCommand({
          TableName,
          Key: { [K.partitionKey]: incidentPk(id), [K.sortKey]: deliverySk(eventKey, channel) },
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      const { status, sentAt, detail } = deliverySchema.parse(Item);
      return { status, ...(sentAt ? { sentAt } : {}), ...(detail ? { detail } : {}) };
    },

    /**
     * Incidents whose first event falls in [start, end), read day by day from the `byDay`
     * index: a query per UTC day, never a scan.
     */
    async listStartedBetween(start: Date, end: Date): Promise<Incident[]> {
      const incidents: Incident[] = [];
      for (const day of utcDays(start, end)) {
        const items = await queryAll({
          TableName,
          IndexName: K.byDayIndex,
          KeyConditionExpression: '#d = :d AND #s BETWEEN :a AND :b',
          ExpressionAttributeNames: { '#d': K.byDayPartitionKey, '#s': K.byDaySortKey },
          ExpressionAttributeValues: {
            ':d': `DAY#${day}`,
            ':a': start.toISOString(),
            // `~` sorts after every id character, so the bound includes all ids at `end - 1 ms`.
            ':b': `${new Date(end.getTime() - 1).toISOString()}#~`,
          },
        });
        incidents.push(...items.map((i) => incidentSchema.parse(i)));
      }
      return incidents;
    },
  };

  async function queryAll(input: ConstructorParameters<typeof QueryCommand>[0]) {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}

export type IncidentStore = ReturnType<typeof createIncidentStore>;

function pointerKey(ruleId: string, test: boolean) {
  return { [K.partitionKey]: rulePk(ruleId) + (test ? '#TEST' : ''), [K.sortKey]: CURRENT };
}

/** UTC calendar days (yyyy-mm-dd) touched by [start, end). */
export function utcDays(start: Date, end: Date): string[] {
  const days: string[] = [];
  const cursor = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  while (cursor.getTime() < end.getTime()) {
    days.push(cursor.toISOString().slice(0, 10));
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  return days;
}
