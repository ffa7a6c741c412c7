/**
 * The period a digest reports on. A run at instant T reports the full local calendar days
 * before T's local day (1 for daily, 7 for weekly) in the configured zone, so a Monday 08:00
 * run covers Monday 00:00 to Monday 00:00 a week earlier, whatever time it actually ran.
 * Calendar arithmetic is done by luxon in the zone, never by adding 24 h: a week with a
 * clock change lasts 167 or 169 hours.
 */
import { DateTime, IANAZone } from 'luxon';
import type { DigestConfig } from '../../rules/schema';

export type Cadence = DigestConfig['cadence'];

export interface DigestPeriod {
  cadence: Cadence;
  /** IANA zone the calendar days are counted in. */
  timezone: string;
  /** Inclusive: local midnight of the first day. */
  start: Date;
  /** Exclusive: local midnight after the last day. */
  end: Date;
  /** Local calendar days in the period, `yyyy-mm-dd`, oldest first. */
  days: string[];
  /** Real elapsed hours (168 ± 1 across a clock change). */
  hours: number;
}

export interface DigestPeriods {
  current: DigestPeriod;
  /** The period of the same length just before, for "compared with last week". */
  previous: DigestPeriod;
}

export const CADENCE_DAYS: Readonly<Record<Cadence, number>> = { daily: 1, weekly: 7 };

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

export function digestPeriods(at: Date, cadence: Cadence, timezone: string): DigestPeriods {
  if (!isValidTimeZone(timezone)) throw new RangeError(`unknown time zone: ${timezone}`);
  const length = CADENCE_DAYS[cadence];
  const end = DateTime.fromJSDate(at, { zone: timezone }).startOf('day');
  const start = end.minus({ days: length });
  return {
    current: period(cadence, timezone, start, end, length),
    previous: period(cadence, timezone, start.minus({ days: length }), start, length),
  };
}

/** The local calendar day (`yyyy-mm-dd`) an instant falls on in `timezone`. */
export function localDay(at: Date | string, timezone: string): string {
  const instant = typeof at === 'string' ? DateTime.fromISO(at, { zone: timezone }) : DateTime.fromJSDate(at);
  return instant.setZone(timezone).toISODate() ?? '';
}

function period(cadence: Cadence, timezone: string, start: DateTime, end: DateTime, length: number) {
  const days: string[] = [];
  for (let i = 0; i < length; i++) days.push(start.plus({ days: i }).toISODate() ?? '');
  return {
    cadence,
    timezone,
    start: start.toJSDate(),
    end: end.toJSDate(),
    days,
    hours: end.diff(start, 'hours').hours,
  };
}
