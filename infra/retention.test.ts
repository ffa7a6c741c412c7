/**
 * Retention as deployed: the alerts table expires items by the attribute the code writes, and
 * the queues keep events no longer than the rule set's retention check assumes.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_TABLE_KEYS } from '../functions/shared/alerts-table';
import {
  DEAD_LETTER_RETENTION_DAYS,
  DEFERRAL_RETENTION_DAYS,
  REDELIVERY_DAYS,
} from '../rules/retention-bounds';
import { ruleSet } from '../rules';
import { buildApp } from './app';

const DAY_S = 86_400;

describe('retention in the alerting stack', () => {
  let template: Template;
  beforeAll(() => {
    const { alerting } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    template = Template.fromStack(alerting);
  });

  it('turns on DynamoDB TTL on the alerts table, on the attribute every item kind writes', () => {
    expect(ALERTS_TABLE_KEYS.ttl).toBe('expiresAt');
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: ALERTS_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: ALERTS_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: ALERTS_TABLE_KEYS.ttl, Enabled: true },
    });
  });

  it('keeps dead letters and deferred events no longer than the retention check allows for', () => {
    const retentions = Object.values(template.findResources('AWS::SQS::Queue')).map(
      (q) => (q as { Properties: { MessageRetentionPeriod?: number } }).Properties.MessageRetentionPeriod,
    );
    expect(retentions).toEqual(
      expect.arrayContaining([DEAD_LETTER_RETENTION_DAYS * DAY_S, DEFERRAL_RETENTION_DAYS * DAY_S]),
    );
    // No queue of the stack keeps an event longer than the dead-letter queue.
    for (const r of retentions)
      expect(r ?? 4 * DAY_S).toBeLessThanOrEqual(DEAD_LETTER_RETENTION_DAYS * DAY_S);
    expect(ruleSet.retention.incidentDays).toBeGreaterThanOrEqual(REDELIVERY_DAYS);
  });
});
