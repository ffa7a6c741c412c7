/**
 * Runtime silences (`RULE#<ruleId>` / `SILENCES`): the ones set from a page, one item per rule
 * holding a bounded list, written with optimistic locking on `version`. One GetItem per event
 * reads them (the notifier's role has no Query); the notifier judges them at the event's own
 * time (plan-deliveries.ts), so an event from before a silence was set still pages however late
 * it is processed, and one from inside it does not.
 *
 * Ended silences are kept for KEEP_ENDED_MS (longer than the oldest event the notifier still
 * processes, two hours), so a late event is judged against what was in force at its time.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ALERTS_TABLE_KEYS as K, SILENCES, rulePk } from '../alerts-table';
import type { Optimistic } from './optimistic';
import type { RuntimeSilence, RuntimeSilences } from './types';

/** Most silences kept per rule; beyond it the oldest-ending go first. */
export const MAX_RUNTIME_SILENCES = 20;
/** How long an ended silence is kept: past MAX_DEFERRAL_AGE / Lambda's event age for the notifier. */
export const KEEP_ENDED_MS = 6 * 60 * 60_000;

const silenceSchema = z.object({
  id: z.string().min(1),
  from: z.iso.datetime(),
  until: z.iso.datetime(),
  createdBy: z.string().min(1),
  reason: z.string(),
  incidentId: z.string().optional(),
});
const itemSchema = z.object({ version: z.number().int(), silences: z.array(silenceSchema) });

export function createRuntimeSilences(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  optimistic: Optimistic;
}): RuntimeSilences {
  const { doc, tableName: TableName, optimistic } = options;
  const Key = (ruleId: string) => ({ [K.partitionKey]: rulePk(ruleId), [K.sortKey]: SILENCES });

  async function read(ruleId: string): Promise<{ version: number; silences: RuntimeSilence[] }> {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: Key(ruleId), ConsistentRead: true }));
    return Item ? itemSchema.parse(Item) : { version: 0, silences: [] };
  }

  return {
    list: async (ruleId) => (await read(ruleId)).silences,

    add: (ruleId, silence, now) =>
      optimistic(`silences of rule ${ruleId}`, async () => {
        const current = await read(ruleId);
        if (current.silences.some((s) => s.id === silence.id)) return 'already' as const;
        const kept = [...current.silences, silence]
          .filter((s) => Date.parse(s.until) > now.getTime() - KEEP_ENDED_MS)
          .sort((a, b) => Date.parse(b.until) - Date.parse(a.until))
          .slice(0, MAX_RUNTIME_SILENCES);
        try {
          await doc.send(
            new PutCommand({
              TableName,
              Item: {
                ...Key(ruleId),
                version: current.version + 1,
                silences: kept,
                // Gone by TTL once every silence in it has ended and is no longer needed for late events.
                [K.ttl]: Math.ceil(
                  (Math.max(Date.parse(silence.until), ...kept.map((s) => Date.parse(s.until))) +
                    KEEP_ENDED_MS) /
                    1000,
                ),
              },
              ConditionExpression: current.version === 0 ? 'attribute_not_exists(#pk)' : '#v = :v',
              ExpressionAttributeNames:
                current.version === 0 ? { '#pk': K.partitionKey } : { '#v': 'version' },
              ...(current.version === 0 ? {} : { ExpressionAttributeValues: { ':v': current.version } }),
            }),
          );
          return 'added' as const;
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return undefined;
          throw error;
        }
      }),
  };
}
