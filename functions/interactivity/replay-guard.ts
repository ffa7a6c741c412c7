/**
 * Replay rejection: a verified request's signature is remembered (`INTERACTION#<sha256 of
 * signature>` / `SEEN` in the alerts table) with a conditional put; a second request with the
 * same signature inside the 5-minute window is a replay. The item expires by TTL after the
 * window, when the timestamp check alone rejects it. Slack does not retry interactivity
 * requests (a user who sees an error clicks again, which is a new signature), so a repeat is
 * never Slack's own.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERTS_TABLE_KEYS as K, INTERACTION_SEEN, interactionPk } from '../shared/alerts-table';
import { MAX_CLOCK_SKEW_MS } from './verify-request';

export interface ReplayGuard {
  /** True the first time this signature is presented, false ever after (within the window). */
  firstSeen(signature: string, timestamp: number): Promise<boolean>;
}

export function createReplayGuard(options: { doc: DynamoDBDocumentClient; tableName: string }): ReplayGuard {
  const { doc, tableName } = options;
  return {
    async firstSeen(signature, timestamp) {
      const digest = createHash('sha256').update(signature).digest('hex');
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [K.partitionKey]: interactionPk(digest),
              [K.sortKey]: INTERACTION_SEEN,
              // Past the window on both sides, in epoch seconds as DynamoDB TTL wants.
              [K.ttl]: timestamp + Math.ceil((2 * MAX_CLOCK_SKEW_MS) / 1000),
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': K.partitionKey },
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
