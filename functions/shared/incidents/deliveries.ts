/**
 * The delivery log (`INC#<id>` / `DELIVERY#<eventKey>#<channel>`): one record per thing sent
 * (the thread root, a reply, the page email, …). Like Alertmanager's notification log it is
 * marked `sent` only after the channel accepted, and it is the source of truth for "already
 * done".
 *
 * | record                     | claim →                                                      |
 * |----------------------------|--------------------------------------------------------------|
 * | none                       | `claimed` (ours, with an owner token and a lease)            |
 * | `sending`, lease over      | `claimed` with `takeover`: the holder died; it may have sent |
 * | `sending`, released        | `claimed` with `takeover`: the holder gave up; it, or one    |
 * |                            | before it, may still have sent                               |
 * | `sending`, lease running   | `held` until `leaseUntil`: never success (delivery-claim.ts) |
 * | `sent`                     | `sent`, with the detail the sender recorded                  |
 *
 * Release is conditional on the owner, so a slow holder whose lease ran out cannot release
 * the claim a retry took over; complete is conditional on `sending`, so the first detail
 * written (a root's ts) is never overwritten by a second sender.
 *
 * Release ends the lease and keeps the record, rather than deleting it: a holder that gives up
 * cannot know that nothing went out (a post that timed out after Slack took it; a takeover
 * whose search for a dead holder's post failed), so the next claimer is told, as `takeover`,
 * to look before sending. Rejected: deleting on release, which let a retry that was rate
 * limited while looking for a dead holder's root erase the only sign of it, so the next event
 * posted a second root and the first said FIRING forever.
 *
 * Retention (retention.ts): a record past its `expiresAt` is gone, whether or not DynamoDB has
 * deleted it yet: `get` does not return it and a claim or complete may overwrite it. A
 * per-event record expires `incidentDays` after its write; one of the incident as a whole
 * (INCIDENT_EVENT_KEY) is written without and then given the incident's expiry
 * (incident-lifetime.ts), so it lasts as long as the incident does.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ALERTS_TABLE_KEYS as K, deliverySk, incidentPk } from '../alerts-table';
import { createIncidentLifetime, type IncidentLifetime } from './incident-lifetime';
import { createExpiry, DEFAULT_RETENTION, type Expiry } from './retention';
import { INCIDENT_EVENT_KEY, type Deliveries, type DeliveryKey, type DeliveryRecord } from './types';

const recordSchema = z.object({
  status: z.enum(['sending', 'sent']),
  owner: z.string().optional(),
  leaseUntil: z.number().optional(),
  sentAt: z.string().optional(),
  detail: z.record(z.string(), z.string()).optional(),
  rev: z.number().optional(),
});

function parse(item: Record<string, unknown>): DeliveryRecord {
  const { status, owner, leaseUntil, sentAt, detail, rev } = recordSchema.parse(item);
  return {
    status,
    ...(rev === undefined ? {} : { rev }),
    ...(owner === undefined ? {} : { owner }),
    ...(leaseUntil === undefined ? {} : { leaseUntil }),
    ...(sentAt === undefined ? {} : { sentAt }),
    ...(detail === undefined ? {} : { detail }),
  };
}

export function createDeliveries(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
  expiry?: Expiry;
  lifetime?: IncidentLifetime;
}): Deliveries {
  const { doc, tableName: TableName, now } = options;
  const expiry = options.expiry ?? createExpiry(DEFAULT_RETENTION, now);
  const lifetime = options.lifetime ?? createIncidentLifetime({ doc, tableName: TableName, expiry });
  const keyOf = (id: string, key: DeliveryKey) => ({
    [K.partitionKey]: incidentPk(id),
    [K.sortKey]: deliverySk(key.eventKey, key.channel),
  });
  const ofIncident = (key: DeliveryKey) => key.eventKey === INCIDENT_EVENT_KEY;
  /** The TTL a write of this record carries: its own, or none until the incident's is set. */
  const ttlOf = (key: DeliveryKey) => (ofIncident(key) ? {} : { [K.ttl]: expiry.record() });
  /** After a write: a record of the incident as a whole takes the incident's expiry. */
  const written = async (id: string, key: DeliveryKey) => {
    if (ofIncident(key)) await lifetime.syncOne(id, deliverySk(key.eventKey, key.channel));
  };

  async function get(id: string, key: DeliveryKey): Promise<DeliveryRecord | undefined> {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: keyOf(id, key), ConsistentRead: true }));
    // Expired but not yet deleted by DynamoDB (it does so lazily): gone.
    const live = expiry.live(Item);
    return live ? parse(live) : undefined;
  }

  return {
    get,

    async claim(id, key, owner, leaseMs) {
      const nowMs = now().getTime();
      const absent = expiry.absent();
      try {
        const out = await doc.send(
          new PutCommand({
            TableName,
            Item: { ...keyOf(id, key), status: 'sending', owner, leaseUntil: nowMs + leaseMs, ...ttlOf(key) },
            ConditionExpression: `${absent.expression} OR (#status = :sending AND leaseUntil < :now)`,
            ExpressionAttributeNames: { ...absent.names, '#status': 'status' },
            ExpressionAttributeValues: { ...absent.values, ':sending': 'sending', ':now': nowMs },
            ReturnValues: 'ALL_OLD',
          }),
        );
        await written(id, key);
        const old = expiry.live(out.Attributes);
        const previous = old ? parse(old) : undefined;
        return { status: 'claimed', takeover: previous !== undefined, previous };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const record = await get(id, key);
        if (record?.status === 'sent') return { status: 'sent', record };
        // Released or expired between our write and this read: report it held for a moment.
        return { status: 'held', leaseUntil: record?.leaseUntil ?? nowMs };
      }
    },

    async complete(id, key, detail) {
      const absent = expiry.absent();
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: { ...keyOf(id, key), status: 'sent', sentAt: now().toISOString(), detail, ...ttlOf(key) },
            ConditionExpression: `${absent.expression} OR #status = :sending`,
            ExpressionAttributeNames: { ...absent.names, '#status': 'status' },
            ExpressionAttributeValues: { ...absent.values, ':sending': 'sending' },
          }),
        );
        await written(id, key);
        return 'completed';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'already-sent';
        throw error;
      }
    },

    async release(id, key, owner) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: keyOf(id, key),
            // Over from this millisecond on: the next claim takes over (see the header).
            UpdateExpression: 'SET leaseUntil = :over',
            ConditionExpression: '#status = :sending AND #owner = :owner',
            ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
            ExpressionAttributeValues: {
              ':sending': 'sending',
              ':owner': owner,
              ':over': now().getTime() - 1,
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async annotate(id, key, detail, onlyIf) {
      const current = await get(id, key);
      if (current?.status !== 'sent' || !onlyIf(current)) return false;
      const rev = current.rev ?? 0;
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...keyOf(id, key),
              ...current,
              detail: { ...current.detail, ...detail },
              rev: rev + 1,
              ...ttlOf(key),
            },
            ConditionExpression: rev === 0 ? '#status = :sent AND attribute_not_exists(#rev)' : '#rev = :rev',
            ExpressionAttributeNames: rev === 0 ? { '#status': 'status', '#rev': 'rev' } : { '#rev': 'rev' },
            ExpressionAttributeValues: rev === 0 ? { ':sent': 'sent' } : { ':rev': rev },
          }),
        );
        await written(id, key);
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
