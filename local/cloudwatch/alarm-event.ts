/**
 * `CloudWatch Alarm State Change` events shaped like AWS's documented sample
 * (docs/aws-events.md §2): metricStat configuration, previous and new state
 * with `reasonData` as a JSON string (absent on the initial state), `+0000` timestamps.
 */
import { randomUUID } from 'node:crypto';
import { ALARM_EVENT, GROUP_METRIC } from '../../rules/names';
import type { AlarmSettings } from '../../rules/schema';
import { cloudWatchTimestamp, type AlarmState } from '../../rules/alarm';

export interface AlarmIdentity {
  alarmName: string;
  groupName: string;
  description: string;
  settings: AlarmSettings;
}

export interface AwsAccount {
  account: string;
  region: string;
}

export interface AlarmStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': typeof ALARM_EVENT.detailType;
  source: typeof ALARM_EVENT.source;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    alarmName: string;
    configuration: { description: string; metrics: unknown[] };
    previousState: StateJson;
    state: StateJson;
  };
}

interface StateJson {
  reason: string;
  reasonData?: string;
  timestamp: string;
  value: AlarmState['value'];
}

export function alarmStateChangeEvent(
  alarm: AlarmIdentity,
  previous: AlarmState,
  current: AlarmState,
  { account, region }: AwsAccount,
): AlarmStateChangeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': ALARM_EVENT.detailType,
    source: ALARM_EVENT.source,
    account,
    // The envelope time has no milliseconds, unlike state.timestamp.
    time: current.timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${alarm.alarmName}`],
    detail: {
      alarmName: alarm.alarmName,
      configuration: {
        description: alarm.description,
        metrics: [
          {
            id: randomUUID(),
            metricStat: {
              metric: {
                dimensions: { [GROUP_METRIC.dimension]: alarm.groupName },
                name: GROUP_METRIC.metricName,
                namespace: GROUP_METRIC.namespace,
              },
              period: alarm.settings.periodSeconds,
              stat: alarm.settings.statistic,
            },
            returnData: true,
          },
        ],
      },
      previousState: stateJson(previous),
      state: stateJson(current),
    },
  };
}

function stateJson(state: AlarmState): StateJson {
  return {
    reason: state.reason,
    ...(state.reasonData === undefined ? {} : { reasonData: state.reasonData }),
    timestamp: cloudWatchTimestamp(state.timestamp),
    value: state.value,
  };
}
