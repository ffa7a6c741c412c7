/**
 * The test-alert rate limit: at most `maxPerRulePerHour` test alerts per rule per UTC clock hour
 * (rules/test-alerts.ts); the rest are logged and ignored, never dead-lettered (a DLQ message
 * would page on-call through the DLQ alarm, which is what the limit is there to prevent).
 *
 * A fixed window per rule, counted in DynamoDB by event id: one conditional `UpdateItem` adds the
 * event's id to the hour's set only while the set is under the limit or already holds the id.
 * So the limit holds across concurrent Lambda instances, and a duplicate or a retry of an
 * admitted event is admitted again (its first delivery may have failed half-way) without using
 * up the quota. The hour is the notifier's clock, not the event's `time`, which the sender sets.
 * The item expires an hour after its window (`expiresAt`, the table's TTL attribute).
 *
 * Rejected: a token bucket (smoother, but two reads and a write per alert for a drill tool),
 * an in-memory counter (each Lambda instance would count alone), and limiting in the CLI (the
 * bus policy already decides *who* may send; the limit caps *how much*, whoever holds the role).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TestAlertsConfig } from '../../rules/schema';
import { ALERTS_TABLE_KEYS, testLimitPk, testLimitSk } from '../shared/alerts-table';
import type { Alert, Ignored } from './alert';
import { RetryableError } from './errors';
import type { Clock, NotifierLogger } from './ports';

export interface TestAlertLimiter {
  /** True when this event may page: under the rule's hourly quota, or already admitted before. */
  admit(ruleId: string, eventId: string, at: Date): Promise<boolean>;
}

export interface TestAlertLimiterOptions {
  doc: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  maxPerRulePerHour: TestAlertsConfig['maxPerRulePerHour'];
}

const HOUR_S = 3_600;

export function createTestAlertLimiter(options: TestAlertLimiterOptions): TestAlertLimiter {
  const K = ALERTS_TABLE_KEYS;
  return {
    async admit(ruleId, eventId, at) {
      const windowEnd = Math.floor(at.getTime() / 1000 / HOUR_S) * HOUR_S + HOUR_S;
      try {
        await options.doc.send(
          new UpdateCommand({
            TableName: options.tableName,
            Key: { [K.partitionKey]: testLimitPk(ruleId), [K.sortKey]: testLimitSk(at) },
            UpdateExpression: 'ADD #ids :id SET #ttl = :ttl',
            ConditionExpression:
              'attribute_not_exists(#ids) OR size(#ids) < :max OR contains(#ids, :eventId)',
            ExpressionAttributeNames: { '#ids': 'eventIds', '#ttl': K.ttl },
            ExpressionAttributeValues: {
              ':id': new Set([eventId]),
              ':eventId': eventId,
              ':max': options.maxPerRulePerHour,
              ':ttl': windowEnd + HOUR_S,
            },
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

export interface TestAlertGateDeps {
  testAlertLimiter: TestAlertLimiter;
  /** The rule set's `testAlerts.maxPerRulePerHour`, for the log line. */
  maxPerRulePerHour: number;
  now: Clock;
  logger: NotifierLogger;
}

/** Undefined when the alert may go on (not a test, or within the quota); else why it is ignored. */
export async function testAlertGate(alert: Alert, deps: TestAlertGateDeps): Promise<Ignored | undefined> {
  if (alert.kind !== 'test') return undefined;
  let admitted: boolean;
  try {
    admitted = await deps.testAlertLimiter.admit(alert.ruleId, alert.eventId, deps.now());
  } catch (error) {
    throw new RetryableError(`test-alert rate limit: ${error instanceof Error ? error.name : 'Error'}`, {
      cause: error,
    });
  }
  if (admitted) return undefined;
  const reason = `test alert rate limit reached: at most ${deps.maxPerRulePerHour} test alerts per rule per hour (rule ${alert.ruleId})`;
  deps.logger.warn('ignoring event', { reason, eventId: alert.eventId, ruleId: alert.ruleId });
  return { kind: 'ignored', reason };
}
