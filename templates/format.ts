/** Numbers, times and durations as pages print them. Pure and locale-independent. */

/** `2024-01-01 12:05:00 UTC`. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `45 s`, `12 min`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** `12 min ago`, `just now`, or `in 3 min` for a clock-skewed future time. */
export function formatRelative(date: Date, now: Date): string {
  const delta = now.getTime() - date.getTime();
  if (Math.abs(delta) < 30_000) return 'just now';
  return delta > 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
}

/** `2024-01-01 12:05:00 UTC (12 min ago)`. */
export function formatSince(date: Date, now: Date): string {
  return `${formatUtc(date)} (${formatRelative(date, now)})`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** `3.2 s`, `850 ms`. X-Ray response times are in seconds. */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
}

/** `5%`, `0.5%`, `12.5%`. */
export function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  const digits = pct >= 10 || Number.isInteger(pct) ? 1 : 2;
  return `${Number(pct.toFixed(digits))}%`;
}
