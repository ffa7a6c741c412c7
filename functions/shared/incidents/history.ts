/**
 * An incident's event history (`INC#<id>` / `EVENT#<at>#<eventId>`): every event that touched
 * it, including late ones that changed nothing, so the digest and a reader of the table see
 * what arrived and when. Idempotent per event; read with the SDK's paginator.
 *
 * Each entry expires `retention.incidentDays` after it was written (retention.ts): only people
 * and tools read it, never a decision. Entries past their `expiresAt` that DynamoDB has not
 * deleted yet (it deletes lazily) are left out of `list`.
 */
import { paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERTS_TABLE_KEYS as K, eventSk, incidentPk } from '../alerts-table';
import type { AlertSource } from './model';
import { createExpiry, DEFAULT_RETENTION, type Expiry } from './retention';
import type { HistoryEntry, IncidentHistory } from './types';

export function createIncidentHistory(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  expiry?: Expiry;
}): IncidentHistory {
  const { doc, tableName: TableName } = options;
  const expiry = options.expiry ?? createExpiry(DEFAULT_RETENTION, () => new Date());
  return {
    async record(incidentId, entry) {
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            [K.partitionKey]: incidentPk(incidentId),
            [K.sortKey]: eventSk(entry.at, entry.eventId),
            ...entry,
            [K.ttl]: expiry.record(),
          },
        }),
      );
    },

    async list(incidentId) {
      const entries: HistoryEntry[] = [];
      const pages = paginateQuery(
        { client: doc },
        {
          TableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': K.partitionKey, '#sk': K.sortKey },
          ExpressionAttributeValues: { ':pk': incidentPk(incidentId), ':prefix': 'EVENT#' },
        },
      );
      for await (const page of pages) {
        for (const i of page.Items ?? []) {
          if (!expiry.live(i)) continue;
          entries.push({
            at: String(i.at),
            eventId: String(i.eventId),
            source: i.source as AlertSource,
            state: String(i.state),
            summary: String(i.summary),
          });
        }
      }
      return entries;
    },
  };
}
