/**
 * The delivery records that belong to an incident as a whole (`eventKey: 'incident'`: the Slack
 * thread root, the page email, the root's rewrite lease) live exactly as long as the incident:
 * no `expiresAt` while it is open, the incident item's own `expiresAt` once it resolved. Every
 * later event of the incident reads them, however long it stays open: with the root record gone
 * a firing would post a second thread and a resolve could not reach the first; with the email
 * record gone on-call would be mailed again.
 *
 * Without transactions (the table also runs on dynalite), two writers keep them in step:
 *
 * | who                                                | then                                         |
 * |----------------------------------------------------|----------------------------------------------|
 * | writes the incident item (a mirror: resolves,      | sets every such record to the item's expiry |
 * | reopens, or finds it already so: a retry)          | (`syncAll`)                                  |
 * | writes such a record (deliveries.ts: claim,        | reads the incident item and sets this record |
 * | complete, annotate)                                | to its expiry (`syncOne`)                    |
 *
 * Each set records the incident version it was read at (`expiryVersion`) and is conditional on
 * no newer one being there, so a slow writer never puts back an expiry the incident has moved
 * past. Whichever of the two writes comes last, its writer's sync reads both, so the record ends
 * with the incident's latest expiry. A record whose incident item is gone (expired) gets an
 * expiry of its own, never none.
 *
 * Rejected: an expiry refreshed by each event (an incident can stay open for months without
 * one: an alarm stuck in ALARM sends nothing), and expiring these records on their own clock
 * (the thread of a long incident would vanish while it is still open).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERTS_TABLE_KEYS as K, META, deliverySk, incidentPk } from '../alerts-table';
import type { Expiry } from './retention';
import { INCIDENT_EVENT_KEY } from './types';

const VERSION = 'expiryVersion';

/** The incident item's expiry as of one version; `undefined` expiry: open, never expires. */
export interface IncidentExpiry {
  version: number;
  expiresAt: number | undefined;
}

export interface IncidentLifetime {
  /** Sets every record of the incident as a whole to `expiry` (after the incident item was written). */
  syncAll(incidentId: string, expiry: IncidentExpiry): Promise<void>;
  /** Sets one such record to the incident's current expiry (after the record was written). */
  syncOne(incidentId: string, sk: string): Promise<void>;
}

export function createIncidentLifetime(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  expiry: Expiry;
}): IncidentLifetime {
  const { doc, tableName: TableName, expiry } = options;
  const prefix = deliverySk(INCIDENT_EVENT_KEY, '');

  async function current(incidentId: string): Promise<IncidentExpiry> {
    const { Item } = await doc.send(
      new GetCommand({
        TableName,
        Key: { [K.partitionKey]: incidentPk(incidentId), [K.sortKey]: META },
        ConsistentRead: true,
        ProjectionExpression: '#v, #e, #pk',
        ExpressionAttributeNames: { '#v': 'version', '#e': K.ttl, '#pk': K.partitionKey },
      }),
    );
    const live = expiry.live(Item);
    if (!live) return { version: 0, expiresAt: expiry.record() };
    const at = live[K.ttl];
    return { version: Number(live.version), expiresAt: typeof at === 'number' ? at : undefined };
  }

  async function set(incidentId: string, sk: string, to: IncidentExpiry): Promise<void> {
    try {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { [K.partitionKey]: incidentPk(incidentId), [K.sortKey]: sk },
          UpdateExpression: to.expiresAt === undefined ? 'REMOVE #e SET #ev = :v' : 'SET #e = :e, #ev = :v',
          ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#ev) OR #ev <= :v)',
          ExpressionAttributeNames: { '#pk': K.partitionKey, '#e': K.ttl, '#ev': VERSION },
          ExpressionAttributeValues: {
            ':v': to.version,
            ...(to.expiresAt === undefined ? {} : { ':e': to.expiresAt }),
          },
        }),
      );
    } catch (error) {
      // Released meanwhile, or a newer version's expiry is already there: nothing to do.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return {
    async syncAll(incidentId, to) {
      const pages = paginateQuery(
        { client: doc },
        {
          TableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': K.partitionKey, '#sk': K.sortKey },
          ExpressionAttributeValues: { ':pk': incidentPk(incidentId), ':prefix': prefix },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          if (item[K.ttl] === to.expiresAt && Number(item[VERSION] ?? -1) >= to.version) continue;
          await set(incidentId, String(item[K.sortKey]), to);
        }
      }
    },

    async syncOne(incidentId, sk) {
      await set(incidentId, sk, await current(incidentId));
    },
  };
}
