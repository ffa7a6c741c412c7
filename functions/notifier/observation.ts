/**
 * Alert → what it says about its source, with the event's own times (the table in
 * functions/shared/incidents/decide.ts): the incident decision reads only this.
 *
 * Times are the events' own, never arrival: alarm `state.timestamp` and
 * `previousState.timestamp`; Insight `Event.EventTime` (else `EndTime`/envelope time, see
 * parse-insight.ts), `StartTime`, `EndTime`; a test alert's envelope time.
 */
import type { Observation } from '../shared/incidents/decide';
import type { AlarmStateValue, Alert } from './alert';

export function observationOf(alert: Alert): Observation {
  switch (alert.kind) {
    case 'alarm':
      return alarmObservation({
        eventId: alert.eventId,
        previous: alert.alarm.previousValue,
        current: alert.alarm.value,
        at: alert.changedAt,
        previousAt: alert.alarm.previousChangedAt,
      });
    case 'insight':
      return insightObservation({
        eventId: alert.eventId,
        state: alert.insight.insightState,
        at: alert.changedAt,
        startedAt: alert.window.start,
        endedAt: alert.window.end,
      });
    case 'test': {
      const at = alert.changedAt.getTime();
      return alert.state === 'resolved'
        ? { eventId: alert.eventId, source: 'test', state: 'ok', asOf: at }
        : { eventId: alert.eventId, source: 'test', state: 'firing', asOf: at, firing: [at, at] };
    }
  }
}

export interface AlarmChange {
  eventId: string;
  previous: AlarmStateValue;
  current: AlarmStateValue;
  /** `state.timestamp` */
  at: Date;
  /** `previousState.timestamp` */
  previousAt: Date | undefined;
}

export function alarmObservation(change: AlarmChange): Observation {
  const { eventId, previous, current } = change;
  const at = change.at.getTime();
  const before = Math.min(change.previousAt?.getTime() ?? at, at);
  const base = { eventId, source: 'alarm' as const, asOf: at };
  switch (current) {
    case 'INSUFFICIENT_DATA':
      return { ...base, state: 'note' };
    case 'ALARM':
      if (previous === 'ALARM') return { ...base, state: 'firing', firing: [before, at] };
      // Only an OK proves quiet: INSUFFICIENT_DATA means the alarm could not tell.
      return {
        ...base,
        state: 'firing',
        firing: [at, at],
        ...(previous === 'OK' && before < at ? { quietSince: before } : {}),
      };
    case 'OK':
      // ALARM → OK alone proves the outage [previous timestamp, timestamp].
      return previous === 'ALARM' ? { ...base, state: 'ok', firing: [before, at] } : { ...base, state: 'ok' };
  }
}

export interface InsightChange {
  eventId: string;
  state: 'ACTIVE' | 'CLOSED';
  /** `Event.EventTime` (parse-insight.ts falls back to EndTime or the envelope time). */
  at: Date;
  startedAt: Date;
  endedAt: Date | undefined;
}

export function insightObservation(change: InsightChange): Observation {
  const at = change.at.getTime();
  const start = Math.min(change.startedAt.getTime(), at);
  const base = { eventId: change.eventId, source: 'insight' as const, asOf: at };
  if (change.state === 'ACTIVE') return { ...base, state: 'firing', firing: [start, at] };
  // CLOSED carries StartTime and EndTime: the outage it proves.
  const end = Math.max(change.endedAt?.getTime() ?? at, start);
  return { ...base, state: 'ok', firing: [start, end] };
}
