/**
 * Which incident an incoming event was applied to, and with what outcome, keyed by the
 * EventBridge event id (stable across redeliveries and Lambda retries).
 *
 * Why: applying an event to the store is not idempotent over time. A retry of an alarm's
 * ALARM event that arrives after the OK event resolved the incident would *reopen* it; after
 * the reopen window it would open a second incident and page again. With a binding, the first
 * processing decides (incident, change) once and every redelivery replays that decision.
 *
 * Item: `pk = EVENTID#<eventId>`, `sk = BINDING`, expiring `retention.incidentDays` after it was
 * written (retention.ts), which the rule set's check keeps beyond the longest redelivery (a dead
 * letter replayed on the queue's last day: REDELIVERY_DAYS in rules/retention-bounds.ts).
 * Written with a conditional put, so concurrent twins agree on the first writer's binding. A
 * binding past its `expiresAt` is gone even before DynamoDB deletes it: `find` skips it and
 * `bind` may overwrite it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ALERTS_TABLE_KEYS as K } from '../alerts-table';
import { createExpiry, DEFAULT_RETENTION, type Expiry } from './retention';
import type { EventBinding, EventBindings } from './types';

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
  expiry?: Expiry;
}

export const eventBindingKey = (eventId: string) => ({
  [K.partitionKey]: `EVENTID#${eventId}`,
  [K.sortKey]: 'BINDING',
});

export function createEventBindings(options: EventBindingsOptions): EventBindings {
  const { doc, tableName: TableName } = options;
  const now = options.now ?? (() => new Date());
  const expiry = options.expiry ?? createExpiry(DEFAULT_RETENTION, now);

  async function find(eventId: string): Promise<EventBinding | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: eventBindingKey(eventId), ConsistentRead: true }),
    );
    const live = expiry.live(Item);
    return live ? bindingSchema.parse(live) : undefined;
  }

  return {
    find,

    async bind(eventId, binding) {
      const at = now();
      const item: EventBinding = { ...binding, boundAt: at.toISOString() };
      const absent = expiry.absent();
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: { ...eventBindingKey(eventId), ...item, [K.ttl]: expiry.record() },
            ConditionExpression: absent.expression,
            ExpressionAttributeNames: absent.names,
            ExpressionAttributeValues: absent.values,
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
