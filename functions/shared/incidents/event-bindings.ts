/**
 * Which incident an incoming event was applied to, and with what outcome, keyed by the
 * EventBridge event id (stable across redeliveries and Lambda retries).
 *
 * Why: applying an event to the store is not idempotent over time. A retry of an alarm's
 * ALARM event that arrives after the OK event resolved the incident would *reopen* it; after
 * the reopen window it would open a second incident and page again. With a binding, the first
 * processing decides (incident, change) once and every redelivery replays that decision.
 *
 * Item: `pk = EVENTID#<eventId>`, `sk = BINDING`, with a TTL far beyond the longest redelivery
 * (Lambda async retries: 6 h; EventBridge target retries: 24 h). Written with a conditional
 * put, so concurrent twins agree on the first writer's binding.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ALERTS_TABLE_KEYS as K } from '../alerts-table';
import type { EventBinding, EventBindings } from './types';

export const BINDING_TTL_DAYS = 14;

const bindingSchema = z.object({
  incidentId: z.string(),
  change: z.string().min(1),
  boundAt: z.string(),
});
export type { EventBinding, EventBindings };

export interface EventBindingsOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
}

export const eventBindingKey = (eventId: string) => ({
  [K.partitionKey]: `EVENTID#${eventId}`,
  [K.sortKey]: 'BINDING',
});

export function createEventBindings(options: EventBindingsOptions): EventBindings {
  const { doc, tableName: TableName } = options;
  const now = options.now ?? (() => new Date());

  async function find(eventId: string): Promise<EventBinding | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: eventBindingKey(eventId), ConsistentRead: true }),
    );
    return Item ? bindingSchema.parse(Item) : undefined;
  }

  return {
    find,

    async bind(eventId, binding) {
      const at = now();
      const item: EventBinding = { ...binding, boundAt: at.toISOString() };
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...eventBindingKey(eventId),
              ...item,
              [K.ttl]: Math.floor(at.getTime() / 1000) + BINDING_TTL_DAYS * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': K.partitionKey },
          }),
        );
        return { binding: item, created: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const winner = await find(eventId);
        if (!winner) {
          throw new Error(`event ${eventId} binding vanished after a conditional-write conflict`, {
            cause: error,
          });
        }
        return { binding: winner, created: false };
      }
    },
  };
}
