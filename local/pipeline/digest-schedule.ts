/**
 * When the digest schedule (rules/digest.ts: cadence, weekday, local hour, zone) next fires
 * after an instant: what EventBridge Scheduler would pass as `scheduledTime`.
 */
import { DateTime } from 'luxon';
import type { DigestConfig } from '../../rules/schema';

const WEEKDAYS: Record<DigestConfig['weekday'], number> = {
  MON: 1,
  TUE: 2,
  WED: 3,
  THU: 4,
  FRI: 5,
  SAT: 6,
  SUN: 7,
};

export function nextDigestRun(
  after: Date,
  digest: Pick<DigestConfig, 'cadence' | 'weekday' | 'hour' | 'timezone'>,
): Date {
  // Whole local hours from the next one on: at most 8 days of them, and DST-safe since luxon
  // steps in the zone's own calendar.
  let candidate = DateTime.fromJSDate(after, { zone: digest.timezone }).startOf('hour').plus({ hours: 1 });
  for (let i = 0; i < 8 * 24; i++, candidate = candidate.plus({ hours: 1 })) {
    if (candidate.hour !== digest.hour) continue;
    if (digest.cadence === 'weekly' && candidate.weekday !== WEEKDAYS[digest.weekday]) continue;
    return candidate.toJSDate();
  }
  throw new Error(`no digest run within 8 days of ${after.toISOString()}`);
}
