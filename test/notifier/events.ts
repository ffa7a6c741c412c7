/**
 * EventBridge events for the notifier tests, built from the notifier's AWS-shaped fixtures (functions/notifier/__fixtures__) with only
 * the fields a scenario needs changed (id, times, states), so every event stays AWS-shaped.
 */
import { fixture, withValue } from '../../functions/notifier/test-support';

type Json = Record<string, unknown>;
type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** CloudWatch's own timestamp format: `2019-10-02T17:04:40.989+0000`. */
const cwTime = (at: Date) => at.toISOString().replace('Z', '+0000');

export function alarmEvent(options: {
  id: string;
  at: Date;
  from: AlarmState;
  to: AlarmState;
  /** When the previous state began (default: 10 minutes before `at`). */
  previousAt?: Date;
  alarmName?: string;
}): Json {
  const previousAt = options.previousAt ?? new Date(options.at.getTime() - 10 * 60_000);
  let event = fixture('alarm-threshold');
  event = withValue(event, ['id'], options.id);
  event = withValue(event, ['time'], options.at.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  event = withValue(event, ['detail', 'state', 'value'], options.to);
  event = withValue(event, ['detail', 'state', 'timestamp'], cwTime(options.at));
  event = withValue(event, ['detail', 'state', 'reasonData'], reasonDataAt(event, 'state', options.at));
  event = withValue(event, ['detail', 'previousState', 'value'], options.from);
  event = withValue(event, ['detail', 'previousState', 'timestamp'], cwTime(previousAt));
  event = withValue(
    event,
    ['detail', 'previousState', 'reasonData'],
    reasonDataAt(event, 'previousState', previousAt),
  );
  if (options.alarmName) event = withValue(event, ['detail', 'alarmName'], options.alarmName);
  return event;
}

/**
 * The fixture's `reasonData` moved to `at`, as CloudWatch writes it: `queryDate` when the alarm
 * was evaluated, `startDate` the start of the evaluated datapoints (the evaluation minute less
 * one period). Left at the fixture's 2019 dates, the datapoints would start years before the
 * state change and the enrichment window would stretch to its 24-hour cap.
 */
function reasonDataAt(event: Json, state: 'state' | 'previousState', at: Date): string {
  const detail = event['detail'] as Record<string, Record<string, unknown>>;
  const data = JSON.parse(String(detail[state]!['reasonData'])) as Record<string, unknown>;
  const periodMs = (typeof data['period'] === 'number' ? data['period'] : 60) * 1000;
  const startMs = Math.floor(at.getTime() / 60_000) * 60_000 - periodMs;
  return JSON.stringify({ ...data, queryDate: cwTime(at), startDate: cwTime(new Date(startMs)) });
}

export function insightEvent(options: {
  id: string;
  at: Date;
  startedAt: Date;
  state: 'ACTIVE' | 'CLOSED';
}): Json {
  let event = fixture(options.state === 'ACTIVE' ? 'insight-active' : 'insight-closed');
  event = withValue(event, ['id'], options.id);
  event = withValue(event, ['time'], options.at.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  event = withValue(event, ['detail', 'StartTime'], Math.floor(options.startedAt.getTime() / 1000));
  if (options.state === 'CLOSED') {
    event = withValue(event, ['detail', 'EndTime'], Math.floor(options.at.getTime() / 1000));
  }
  event = withValue(event, ['detail', 'Event', 'EventTime'], options.at.toISOString());
  return event;
}

export function testAlertEvent(options: {
  id: string;
  at: Date;
  state?: 'firing' | 'resolved';
  ruleId?: string;
  /** What `fire --rule-route` / `--email` ask for (default: neither). */
  route?: 'test-channel' | 'rule';
  email?: boolean;
}): Json {
  let event = fixture('test-alert');
  event = withValue(event, ['id'], options.id);
  event = withValue(event, ['time'], options.at.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  event = withValue(event, ['region'], 'us-east-1');
  event = withValue(event, ['detail', 'state'], options.state ?? 'firing');
  if (options.ruleId) event = withValue(event, ['detail', 'ruleId'], options.ruleId);
  if (options.route) event = withValue(event, ['detail', 'route'], options.route);
  if (options.email !== undefined) event = withValue(event, ['detail', 'email'], options.email);
  return event;
}
