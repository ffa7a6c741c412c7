/**
 * The alerts table (key layout in functions/shared/alerts-table.ts): incidents, per-channel
 * delivery records and the history the digest reads. `byDay` lets the digest query a period day by day instead of
 * scanning. PITR on: this table is the incident record managers are shown. TTL on `expiresAt`,
 * which every item kind writes (functions/shared/incidents/retention.ts; docs/retention.md).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ALERTS_TABLE_KEYS } from '../../functions/shared/alerts-table';

export class AlertsTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const k = ALERTS_TABLE_KEYS;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: k.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: k.sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: k.ttl,
      globalSecondaryIndexes: [
        {
          indexName: k.byDayIndex,
          partitionKey: { name: k.byDayPartitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: k.byDaySortKey, type: dynamodb.AttributeType.STRING },
        },
      ],
      // Incident history is the record managers are shown; keep it if the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
