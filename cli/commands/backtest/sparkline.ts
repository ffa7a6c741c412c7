/**
 * Per-minute counts as terminal rows: one row per clock hour, one character per minute, eight
 * block heights scaled to the span's busiest minute (any count, however small, shows as at
 * least ▁; a minute without a datapoint is `·`). Under a row with alarm activity, a second
 * row marks the minutes that ended in ALARM (`━`) or INSUFFICIENT_DATA (`?`). Hours with no
 * matching trace and one steady alarm state collapse into one line.
 *
 * Hand-written rather than a sparkline package: the only one found (`sparkly`) is barely used,
 * and what is needed here is the hour layout and the alarm row, not the eight glyphs.
 */
import type { AlarmStateValue } from '../../../rules/alarm';

export const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
export const NO_DATAPOINT = '·';
const HOUR = 60;
const MINUTE_MS = 60_000;

/** The glyph for `count` on a scale whose top is `max`. */
export function block(count: number, max: number): string {
  if (count <= 0) return NO_DATAPOINT;
  const level = Math.min(BLOCKS.length, Math.max(1, Math.ceil((count / Math.max(1, max)) * BLOCKS.length)));
  return BLOCKS[level - 1]!;
}

export function sparklineRows(
  startMs: number,
  counts: readonly number[],
  states: readonly AlarmStateValue[] | null,
): string[] {
  const max = Math.max(0, ...counts);
  const offset = new Date(startMs).getUTCMinutes();
  const hours = Math.ceil((offset + counts.length) / HOUR);
  const rows: string[] = [];
  let quietFrom: number | undefined;
  let quietState: AlarmStateValue | undefined;
  let lastDay = '';

  const flushQuiet = (toHour: number) => {
    if (quietFrom === undefined) return;
    const from = hourStart(startMs, offset, quietFrom);
    const to = hourStart(startMs, offset, toHour) - MINUTE_MS;
    const state = quietState === undefined ? '' : `; alarm ${quietState}`;
    rows.push(`  ${label(from, lastDay, true)} – ${label(to, '', true)}  no matching traces${state}`);
    lastDay = day(to);
    quietFrom = undefined;
  };

  for (let h = 0; h < hours; h++) {
    const minutes = Array.from({ length: HOUR }, (_, m) => h * HOUR + m - offset);
    const inSpan = minutes.filter((i) => i >= 0 && i < counts.length);
    const steady = states === null ? undefined : states[inSpan[0]!];
    const quiet =
      inSpan.length === HOUR &&
      inSpan.every((i) => counts[i] === 0 && (states === null || states[i] === steady)) &&
      steady !== 'ALARM';
    if (quiet) {
      if (quietFrom === undefined || quietState !== steady) {
        flushQuiet(h);
        quietFrom = h;
        quietState = steady;
      }
      continue;
    }
    flushQuiet(h);
    const at = hourStart(startMs, offset, h);
    if (day(at) !== lastDay) {
      rows.push(`  ${day(at)}`);
      lastDay = day(at);
    }
    const spark = minutes.map((i) => (i < 0 || i >= counts.length ? ' ' : block(counts[i]!, max))).join('');
    rows.push(`  ${label(at, lastDay, false)}  ${spark.trimEnd()}`);
    if (states !== null && inSpan.some((i) => states[i] !== 'OK')) {
      const marks = minutes
        .map((i) =>
          i < 0 || i >= states.length
            ? ' '
            : states[i] === 'ALARM'
              ? '━'
              : states[i] === 'INSUFFICIENT_DATA'
                ? '?'
                : ' ',
        )
        .join('');
      rows.push(`  ${' '.repeat(5)}  ${marks.trimEnd()}`);
    }
  }
  flushQuiet(hours);
  return rows;
}

function hourStart(startMs: number, offset: number, h: number): number {
  return startMs - offset * MINUTE_MS + h * HOUR * MINUTE_MS;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `21:00`, or `2026-11-23 07:59` where the day is not the one already shown. */
function label(ms: number, shownDay: string, withDay: boolean): string {
  const time = new Date(ms).toISOString().slice(11, 16);
  return withDay && day(ms) !== shownDay ? `${day(ms)} ${time}` : time;
}
