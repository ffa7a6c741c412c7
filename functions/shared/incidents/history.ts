/**
 * An incident's event history (`INC#<id>` / `EVENT#<at>#<eventId>`): every event that touched
 * it, including late ones that changed nothing, so the digest and a reader of the table see
 * what arrived and when. Idempotent per event; read with the SDK's paginator.
 */
import { paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERTS_TABLE_KEYS as K, eventSk, incidentPk } from '../alerts-table';
import type { AlertSource } from './model';
import type { HistoryEntry, IncidentHistory } from './types';

export function createIncidentHistory(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): IncidentHistory {
  const { doc, tableName: TableName } = options;
  return {
    async record(incidentId, entry) {
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            [K.partitionKey]: incidentPk(incidentId),
            [K.sortKey]: eventSk(entry.at, entry.eventId),
            ...entry,
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
