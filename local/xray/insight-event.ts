/**
 * `AWS X-Ray Insight Update` events with the fields of the EventBridge schema
 * (docs/aws-events.md §1). AWS publishes no full sample; times follow the X-Ray
 * API (`StartTime`/`EndTime` in epoch seconds), `EndTime` is null while ACTIVE.
 */
import { randomUUID } from 'node:crypto';
import { INSIGHT_EVENT } from '../../rules/names';
import type { AwsAccount } from '../cloudwatch/alarm-event';
import type { InsightSnapshot, ServiceRef } from './insight-detector';

export interface InsightUpdateEvent {
  version: '0';
  id: string;
  'detail-type': typeof INSIGHT_EVENT.detailType;
  source: typeof INSIGHT_EVENT.source;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export function insightUpdateEvent(
  groupName: string,
  insight: InsightSnapshot,
  emittedAt: Date,
  { account, region }: AwsAccount,
): InsightUpdateEvent {
  const serviceId = (ref: ServiceRef) => ({
    Name: ref.name,
    Names: [ref.name],
    AccountId: account,
    Type: ref.type ?? 'AWS::Lambda::Function',
  });
  const impact = insight.impact;
  const top = insight.topServices.map((ref) => ({ ServiceId: serviceId(ref) }));
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': INSIGHT_EVENT.detailType,
    source: INSIGHT_EVENT.source,
    account,
    time: emittedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
    detail: {
      InsightId: insight.insightId,
      GroupName: groupName,
      State: insight.state,
      Categories: ['FAULT'],
      Summary: insight.summary,
      StartTime: Math.floor(insight.startTime / 1000),
      EndTime: insight.endTime === undefined ? null : Math.floor(insight.endTime / 1000),
      ...(insight.rootCause ? { RootCauseServiceId: serviceId(insight.rootCause) } : {}),
      RootCauseServiceRequestImpactStatistics: impact,
      ClientRequestImpactStatistics: impact,
      TopAnomalousServices: top,
      Event: {
        Summary: insight.summary,
        EventTime: new Date(insight.at).toISOString(),
        ClientRequestImpactStatistics: impact,
        RootCauseServiceRequestImpactStatistics: impact,
        TopAnomalousServices: top,
      },
    },
  };
}

export const newInsightId = (): string => randomUUID();
