/**
 * The one normalized shape every incoming event becomes. Later steps (match, enrich, render,
 * deliver) read only this, never the raw event, so a new event source is one new parser.
 *
 * State mapping for CloudWatch alarms (from → to), chosen like Alertmanager/PagerDuty: only
 * ALARM opens an incident, only OK closes one, and "no data" neither pages nor resolves.
 *
 * | previous          | current            | state               | why                                     |
 * |-------------------|--------------------|---------------------|-----------------------------------------|
 * | OK / INSUFF._DATA | ALARM              | `firing`            | a new incident: page                    |
 * | ALARM             | ALARM              | `updated`           | re-evaluation or config change: thread  |
 * | ALARM             | OK                 | `resolved`          | the incident ends                       |
 * | INSUFF._DATA / OK | OK                 | `resolved`          | closes an incident left open by a       |
 * |                   |                    |                     | previous ALARM → INSUFFICIENT_DATA hop; |
 * |                   |                    |                     | a no-op when none is open (decide.ts)   |
 * | ALARM             | INSUFFICIENT_DATA  | `insufficient_data` | the alarm cannot tell: the incident     |
 * |                   |                    |                     | stays open, a note goes to the thread   |
 * | OK / INSUFF._DATA | INSUFFICIENT_DATA  | `insufficient_data` | informational (e.g. alarm creation)     |
 *
 * Insights: ACTIVE → `firing` when the event is the insight's first (Event.EventTime close to
 * StartTime), else `updated`; CLOSED → `resolved`. The incident decision (functions/shared/incidents/decide.ts) is
 * the final authority: an `updated` for an incident it has never seen is paged as new.
 */

export type AlertKind = 'alarm' | 'insight' | 'test';
export type AlertState = 'firing' | 'resolved' | 'updated' | 'insufficient_data';
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An X-Ray service id as events and trace summaries carry it. */
export interface ServiceRef {
  name: string;
  names: string[];
  type: string | undefined;
  accountId: string | undefined;
}

/** X-Ray `RequestImpactStatistics`. */
export interface RequestImpact {
  faultCount: number;
  okCount: number;
  totalCount: number;
}

/** Console URLs, each built from validated parts (see templates/console-urls.ts). */
export interface AlertLinks {
  alarm?: string;
  insight?: string;
  traces?: string;
}

export interface TimeWindow {
  start: Date;
  /** Undefined while the problem is ongoing (firing alarm, ACTIVE insight). */
  end: Date | undefined;
}

export interface AlarmDetails {
  alarmName: string;
  alarmArn: string | undefined;
  previousValue: AlarmStateValue;
  /** `previousState.timestamp`: when the previous state began (orders events by event time). */
  previousChangedAt: Date | undefined;
  value: AlarmStateValue;
  /** When the alarm entered ALARM: the state change itself, or the previous state's start when leaving ALARM. */
  enteredAlarmAt: Date | undefined;
  description: string | undefined;
}

export interface InsightDetails {
  insightId: string;
  groupName: string;
  groupArn: string | undefined;
  categories: string[];
  insightState: 'ACTIVE' | 'CLOSED';
}

export interface TestDetails {
  note: string | undefined;
  /** Where the sender asked the test to page: the test channel (default) or the rule's own route. */
  route: 'test-channel' | 'rule';
  /** Whether the sender asked for the on-call email too. */
  email: boolean;
}

interface AlertBase {
  ruleId: string;
  state: AlertState;
  /** The EventBridge event id: the raw material of the event binding and delivery keys. */
  eventId: string;
  region: string;
  account: string;
  /** Envelope `time`. */
  eventTime: Date;
  /** When the state this alert reports began (alarm state timestamp, insight event time). */
  changedAt: Date;
  /** The problem's span as the event tells it; `window.start` is "since when" on the page. */
  window: TimeWindow;
  /** One line: alarm description or name, insight summary, or the test alert's label. */
  title: string;
  /** Alarm state reason, insight summary, or the test note. Untrusted text: escape on render. */
  reason: string;
  /** Alarm `reasonData`, JSON-decoded; keys vary by alarm type, so it stays a loose record. */
  reasonData: Record<string, unknown> | undefined;
  impact: { client: RequestImpact | undefined; rootCauseService: RequestImpact | undefined } | undefined;
  rootCauseService: ServiceRef | undefined;
  topAnomalousServices: ServiceRef[];
  links: AlertLinks;
}

export type AlarmAlert = AlertBase & { kind: 'alarm'; alarm: AlarmDetails };
export type InsightAlert = AlertBase & { kind: 'insight'; insight: InsightDetails };
export type TestAlert = AlertBase & { kind: 'test'; test: TestDetails };
export type Alert = AlarmAlert | InsightAlert | TestAlert;

/** An event that is not ours (another team's alarm, another deployment's group): not an error. */
export interface Ignored {
  kind: 'ignored';
  reason: string;
}

export type ParseResult = { kind: 'alert'; alert: Alert } | Ignored;
