/**
 * Manager digest → plain-text email (the SNS message), plus the digest's input shape and the
 * wording both digest renderers share (subject, period title, comparisons, chart bars).
 *
 * Text is laid out for a narrow mail client: no line is longer than 72 characters, the
 * per-day chart is drawn with ASCII, untrusted text (rule titles, usernames) is cleaned of
 * control and bidi characters so it cannot forge lines, long lists end in "+N more", and the
 * body never exceeds SNS's 256 KB.
 */
import { DateTime } from 'luxon';
import type { Severity } from '../rules/schema';
import { toAsciiLine } from './email-alert';
import { cleanLine } from './escape';
import { formatCount, formatDuration, plural } from './format';
import { EMAIL_SUBJECT_MAX, SNS_MESSAGE_MAX_BYTES, truncate, truncateUtf8 } from './limits';

// ---------------------------------------------------------------------------------------------
// Input: what the digest renderers read (functions/digest/compute.ts produces it). Declared
// here because templates import nothing but rule types.

export interface DigestPeriodView {
  cadence: 'daily' | 'weekly';
  timezone: string;
  start: Date;
  end: Date;
  /** Local calendar days, `yyyy-mm-dd`, oldest first. */
  days: readonly string[];
  hours: number;
}

export interface DurationStats {
  /** Incidents the figure is taken over. */
  count: number;
  medianMs: number | undefined;
  worstMs: number | undefined;
}

export interface RuleCount {
  ruleId: string;
  title: string;
  owner: string | undefined;
  severity: Severity;
  count: number;
}

export interface IncidentView {
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  firstFiredAt: Date;
  /** Until resolution, or until the period end for an ongoing incident. */
  durationMs: number;
  /** Not resolved by the period end. */
  ongoing: boolean;
}

export interface DayCount {
  /** Local calendar day, `yyyy-mm-dd`. */
  date: string;
  total: number;
  bySeverity: Readonly<Record<Severity, number>>;
}

export interface PeriodTotals {
  incidents: number;
  distinctUsers: number;
  usersLowerBound: boolean;
  medianTimeToResolveMs: number | undefined;
}

export interface PickupFigures {
  /** Pages sent (page-severity incidents paged before the period end). */
  pages: number;
  /** Of those, acknowledged before the period end (Acknowledge, or Resolve from the page). */
  acknowledged: number;
  /** From the page to its acknowledgement. */
  timeToAcknowledge: DurationStats;
  /** Pages whose escalation fired at least once (nobody acknowledged in time). */
  escalated: number;
}

export interface DigestFigures {
  period: DigestPeriodView;
  previousPeriod: DigestPeriodView;
  incidents: number;
  bySeverity: Readonly<Record<Severity, number>>;
  /** Every rule that fired, most incidents first. */
  byRule: readonly RuleCount[];
  users: {
    distinct: number;
    /** Some incident's user list was truncated or partial: the true number may be higher. */
    lowerBound: boolean;
    /**
     * Under sampling: affected users estimated from those seen (the largest incident's
     * estimate, as its page said), with its 95 % interval. `distinct` stays the users seen.
     */
    estimate?: { estimate: number; low: number; high: number };
    /** Present only when the rule set's `digest.nameUsers` is on. */
    names?: readonly string[];
  };
  anonymousRequests: number;
  timeToPage: DurationStats;
  timeToResolve: DurationStats;
  /**
   * How pages were picked up (acknowledged from Slack): over the period's `page`-severity
   * incidents that were paged before its end. Absent: not computed.
   */
  pickup?: PickupFigures | undefined;
  longest: IncidentView | undefined;
  /** Started in the period and not resolved by its end, oldest first. */
  ongoing: readonly IncidentView[];
  /** Started before the period and still open at its end, oldest first: shown, never counted. */
  carriedOver: readonly IncidentView[];
  /** Rules whose incidents were silenced, most first. */
  silenced: readonly RuleCount[];
  testIncidentsExcluded: number;
  days: readonly DayCount[];
  previous: PeriodTotals;
}

// ---------------------------------------------------------------------------------------------
// Shared wording and limits.

export const SEVERITIES: readonly Severity[] = ['page', 'ticket', 'info'];
export const MAX_RULES_SHOWN = 10;
export const MAX_ONGOING_SHOWN = 10;
export const MAX_SILENCED_SHOWN = 10;
export const MAX_NAMES_SHOWN = 100;
const TITLE_MAX = 120;
const NAME_MAX = 40;
const WIDTH = 72;
const CHART_WIDTH = 30;
const TRUNCATED_MARKER = '\n\n[digest truncated to fit the 256 KB SNS limit]\n';

/** Locale pinned so the digest reads the same whatever locale the Lambda runs with. */
const LOCALE = 'en-GB';

export function localTime(at: Date, timezone: string, format: string): string {
  return DateTime.fromJSDate(at, { zone: timezone }).setLocale(LOCALE).toFormat(format);
}

/** `Mon 19 Oct` for a `yyyy-mm-dd` local day. */
export function dayLabel(day: string): string {
  return DateTime.fromISO(day).setLocale(LOCALE).toFormat('ccc d LLL');
}

/** `Sun 25 Oct 22:10`. */
export function whenLabel(at: Date, timezone: string): string {
  return localTime(at, timezone, 'ccc d LLL HH:mm');
}

/** `week of Mon 19 Oct to Sun 25 Oct 2026` or `Sun 25 Oct 2026`. */
export function periodTitle(period: DigestPeriodView): string {
  const first = period.days[0] ?? '';
  const last = period.days[period.days.length - 1] ?? first;
  const year = (day: string) => day.slice(0, 4);
  if (period.cadence === 'daily') return `${dayLabel(first)} ${year(first)}`;
  const from = year(first) === year(last) ? dayLabel(first) : `${dayLabel(first)} ${year(first)}`;
  return `week of ${from} to ${dayLabel(last)} ${year(last)}`;
}

/** `last week` / `the day before`. */
export function previousLabel(period: DigestPeriodView): string {
  return period.cadence === 'weekly' ? 'last week' : 'the day before';
}

/** `this week` / `yesterday`: a daily digest goes out the morning after its day. */
export function currentLabel(period: DigestPeriodView): string {
  return period.cadence === 'weekly' ? 'this week' : 'yesterday';
}

/** A note when the period is not a whole number of 24-hour days (a clock change). */
export function clockChangeNote(period: DigestPeriodView): string | undefined {
  const expected = period.days.length * 24;
  if (period.hours === expected) return undefined;
  return `This period lasted ${period.hours} hours, not ${expected}: the clocks changed.`;
}

export function usersLabel(
  count: number,
  lowerBound: boolean,
  estimate?: DigestFigures['users']['estimate'],
): string {
  if (estimate) {
    const interval =
      estimate.high > estimate.low
        ? `95 %: ${formatCount(estimate.low)}–${formatCount(estimate.high)}; `
        : '';
    return `about ${formatCount(estimate.estimate)} (${interval}${formatCount(count)} seen)`;
  }
  return lowerBound ? `at least ${formatCount(count)}` : formatCount(count);
}

/** `(last week: 9, +3)`, `(the day before: 4, same)`. */
export function comparison(label: string, current: number, previous: number, previousText?: string): string {
  const d = current - previous;
  const change = d === 0 ? 'same' : d > 0 ? `+${formatCount(d)}` : `-${formatCount(-d)}`;
  return `(${label}: ${previousText ?? formatCount(previous)}, ${change})`;
}

/** Like formatDuration, but keeps the seconds under 10 minutes: time to page lives there. */
export function durationLabel(ms: number | undefined): string {
  if (ms === undefined) return 'n/a';
  const s = Math.round(ms / 1000);
  if (s >= 60 && s < 600 && s % 60 !== 0) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return formatDuration(ms);
}

/** `16-22 Nov 2026`, `26 Oct - 1 Nov 2026`, `28 Dec 2026 - 3 Jan 2027`, `Sun 22 Nov 2026`. */
export function shortPeriod(period: DigestPeriodView): string {
  const first = DateTime.fromISO(period.days[0] ?? '').setLocale(LOCALE);
  const last = DateTime.fromISO(period.days[period.days.length - 1] ?? '').setLocale(LOCALE);
  if (period.cadence === 'daily') return first.toFormat('ccc d LLL yyyy');
  if (first.year !== last.year) return `${first.toFormat('d LLL yyyy')} - ${last.toFormat('d LLL yyyy')}`;
  if (first.month !== last.month) return `${first.toFormat('d LLL')} - ${last.toFormat('d LLL yyyy')}`;
  return `${first.toFormat('d')}-${last.toFormat('d LLL yyyy')}`;
}

/** Email subject: printable ASCII, no line breaks, at most 99 characters (SNS). */
export function digestSubject(figures: DigestFigures): string {
  const { distinct, lowerBound, estimate } = figures.users;
  const users = estimate
    ? `about ${formatCount(estimate.estimate)} users`
    : `${formatCount(distinct)}${lowerBound ? '+' : ''} ${distinct === 1 && !lowerBound ? 'user' : 'users'}`;
  const what =
    figures.incidents === 0 ? 'no incidents' : `${plural(figures.incidents, 'incident')}, ${users} affected`;
  const raw = `User-impact digest ${shortPeriod(figures.period)}: ${what}`;
  return truncate(toAsciiLine(raw), EMAIL_SUBJECT_MAX, undefined, '...');
}

/**
 * Splits a day's bar into per-severity lengths out of `width` units. The bar's length is
 * proportional to the busiest day; every severity present gets at least one unit so a single
 * page among many infos stays visible. Largest remainders round, so lengths add up exactly.
 */
export function barSegments(day: DayCount, busiest: number, width: number): Record<Severity, number> {
  const out: Record<Severity, number> = { page: 0, ticket: 0, info: 0 };
  if (day.total === 0 || busiest === 0) return out;
  const present = SEVERITIES.filter((s) => day.bySeverity[s] > 0);
  const length = Math.min(width, Math.max(present.length, Math.round((day.total / busiest) * width)));
  const exact = SEVERITIES.map((s) => ({ s, share: (day.bySeverity[s] / day.total) * length }));
  let used = 0;
  for (const { s, share } of exact) {
    out[s] = day.bySeverity[s] > 0 ? Math.max(1, Math.floor(share)) : 0;
    used += out[s];
  }
  const byRemainder = [...exact]
    .filter(({ s }) => day.bySeverity[s] > 0)
    .sort((a, b) => b.share - Math.floor(b.share) - (a.share - Math.floor(a.share)));
  for (let i = 0; used < length && byRemainder.length > 0; i++) {
    out[byRemainder[i % byRemainder.length]!.s] += 1;
    used += 1;
  }
  // Minimums can overshoot by a unit or two on a crowded short bar: take it from the longest.
  while (used > length) {
    const longest = SEVERITIES.reduce((a, b) => (out[b] > out[a] ? b : a));
    if (out[longest] <= 1) break;
    out[longest] -= 1;
    used -= 1;
  }
  return out;
}

export function busiestDay(days: readonly DayCount[]): number {
  return days.reduce((max, d) => Math.max(max, d.total), 0);
}

/** An untrusted one-line text, cleaned and cut to `max` characters. */
export function shortLine(text: string, max: number): string {
  return truncate(cleanLine(text), max);
}

export function ruleLabel(rule: RuleCount): string {
  return `${shortLine(rule.title, TITLE_MAX)} (${rule.severity}${rule.owner ? `, ${shortLine(rule.owner, 40)}` : ''})`;
}

export function namesShown(names: readonly string[]): { shown: string[]; omitted: number } {
  const shown = names.slice(0, MAX_NAMES_SHOWN).map((n) => shortLine(n, NAME_MAX));
  return { shown, omitted: names.length - shown.length };
}

// ---------------------------------------------------------------------------------------------
// Text rendering.

const CHART_CHAR: Readonly<Record<Severity, string>> = { page: '#', ticket: '+', info: '.' };

export function renderDigestText(figures: DigestFigures): string {
  const out: string[] = [];
  const { period } = figures;
  const push = (...lines: string[]) => out.push(...lines.map(fit));

  push('User-impact digest', capitalise(periodTitle(period)), `Times are ${shortLine(period.timezone, 50)}.`);
  const dst = clockChangeNote(period);
  if (dst) push(dst);
  push('');

  if (figures.incidents === 0) {
    push(`No incidents ${currentLabel(period)}.`);
    push(`${capitalise(previousLabel(period))}: ${plural(figures.previous.incidents, 'incident')}.`);
    if (figures.carriedOver.length > 0) push('');
    pushCarriedOver(push, figures);
    pushFooter(push, figures);
    return out.join('\n') + '\n';
  }

  pushSummary(push, figures);
  pushChart(push, figures);
  pushRules(push, figures);
  pushOngoing(push, figures);
  pushCarriedOver(push, figures);
  pushSilenced(push, figures);
  pushNames(push, figures);
  pushFooter(push, figures);
  return truncateUtf8(out.join('\n') + '\n', SNS_MESSAGE_MAX_BYTES, TRUNCATED_MARKER);
}

type Push = (...lines: string[]) => void;

function pushSummary(push: Push, f: DigestFigures): void {
  const prev = previousLabel(f.period);
  const row = (label: string, value: string) => `  ${label.padEnd(20)} ${value}`;
  const severities = SEVERITIES.map((s) => `${s} ${formatCount(f.bySeverity[s])}`).join(', ');
  push('AT A GLANCE');
  push(
    row('Incidents', `${formatCount(f.incidents)}  ${comparison(prev, f.incidents, f.previous.incidents)}`),
  );
  push(row('', severities));
  push(
    row(
      'Users affected',
      `${usersLabel(f.users.distinct, f.users.lowerBound, f.users.estimate)}  ${comparison(prev, f.users.distinct, f.previous.distinctUsers, usersLabel(f.previous.distinctUsers, f.previous.usersLowerBound))}`,
    ),
  );
  push(row('Anonymous requests', formatCount(f.anonymousRequests)));
  push(row('Time to page', statsLabel(f.timeToPage, 'paged')));
  if (f.pickup && f.pickup.pages > 0) {
    push(row('Time to acknowledge', statsLabel(f.pickup.timeToAcknowledge, 'acknowledged')));
    push(row('', pickupLabel(f.pickup)));
  }
  push(row('Time to resolve', statsLabel(f.timeToResolve, 'resolved')));
  push(row('', `${prev}: median ${durationLabel(f.previous.medianTimeToResolveMs)}`));
  if (f.longest) {
    push(
      row(
        'Longest incident',
        `${durationLabel(f.longest.durationMs)}${f.longest.ongoing ? ', still open' : ''}`,
      ),
    );
    push(row('', shortLine(f.longest.title, 49)));
    push(row('', `started ${whenLabel(f.longest.firstFiredAt, f.period.timezone)}`));
  }
  push(row('Open at period end', formatCount(f.ongoing.length)));
  push('');
}

/** `3 of 4 pages acknowledged (75%), 1 escalated`. */
export function pickupLabel(p: PickupFigures): string {
  const share = Math.round((100 * p.acknowledged) / p.pages);
  return `${formatCount(p.acknowledged)} of ${formatCount(p.pages)} pages acknowledged (${share}%), ${formatCount(p.escalated)} escalated`;
}

function statsLabel(stats: DurationStats, verb: string): string {
  if (stats.count === 0) return `none ${verb}`;
  return `median ${durationLabel(stats.medianMs)}, worst ${durationLabel(stats.worstMs)} (${formatCount(stats.count)} ${verb})`;
}

function pushChart(push: Push, f: DigestFigures): void {
  const busiest = busiestDay(f.days);
  push(`INCIDENTS PER DAY  (${SEVERITIES.map((s) => `${CHART_CHAR[s]} ${s}`).join('  ')})`);
  for (const day of f.days) {
    const seg = barSegments(day, busiest, CHART_WIDTH);
    const bar = SEVERITIES.map((s) => CHART_CHAR[s].repeat(seg[s])).join('');
    push(
      `  ${dayLabel(day.date).padEnd(10)} |${bar.padEnd(CHART_WIDTH)}| ${formatCount(day.total).padStart(5)}`,
    );
  }
  push('');
}

function pushRules(push: Push, f: DigestFigures): void {
  push('RULES THAT FIRED MOST');
  const shown = f.byRule.slice(0, MAX_RULES_SHOWN);
  for (const rule of shown) push(`  ${formatCount(rule.count).padStart(5)}  ${ruleLabel(rule)}`);
  pushMore(push, f.byRule.length - shown.length, 'more rule');
  push('');
}

function pushOngoing(push: Push, f: DigestFigures): void {
  if (f.ongoing.length === 0) return;
  push('STILL OPEN AT PERIOD END');
  const shown = f.ongoing.slice(0, MAX_ONGOING_SHOWN);
  for (const incident of shown) {
    push(`  ${shortLine(incident.title, WIDTH - 14)} (${incident.severity})`);
    push(
      `    since ${whenLabel(incident.firstFiredAt, f.period.timezone)}, open ${durationLabel(incident.durationMs)} by period end`,
    );
  }
  pushMore(push, f.ongoing.length - shown.length, 'more open incident');
  push('');
}

function pushCarriedOver(push: Push, f: DigestFigures): void {
  if (f.carriedOver.length === 0) return;
  push('STILL OPEN FROM EARLIER (counted in the period they started)');
  const shown = f.carriedOver.slice(0, MAX_ONGOING_SHOWN);
  for (const incident of shown) {
    push(`  ${shortLine(incident.title, WIDTH - 14)} (${incident.severity})`);
    push(
      `    since ${whenLabel(incident.firstFiredAt, f.period.timezone)}, open ${durationLabel(incident.durationMs)} by period end`,
    );
  }
  pushMore(push, f.carriedOver.length - shown.length, 'more open incident');
  push('');
}

function pushSilenced(push: Push, f: DigestFigures): void {
  if (f.silenced.length === 0) return;
  push('SILENCED RULES (fired, nobody was paged)');
  const shown = f.silenced.slice(0, MAX_SILENCED_SHOWN);
  for (const rule of shown) push(`  ${formatCount(rule.count).padStart(5)}  ${ruleLabel(rule)}`);
  pushMore(push, f.silenced.length - shown.length, 'more silenced rule');
  push('');
}

function pushNames(push: Push, f: DigestFigures): void {
  if (!f.users.names || f.users.names.length === 0) return;
  push('USERS AFFECTED (named because digest.nameUsers is on)');
  const { shown, omitted } = namesShown(f.users.names);
  for (const line of wrap(shown, WIDTH - 2)) push(`  ${line}`);
  pushMore(push, omitted, 'more user');
  push('');
}

function pushFooter(push: Push, f: DigestFigures): void {
  if (f.incidents > 0 && f.users.estimate) {
    push('"About": requests were sampled, so users were counted from sampled traces and the');
    push('number affected estimated from them, as the page did (largest incident shown).');
  }
  if (f.incidents > 0 && f.users.lowerBound) {
    push('"At least": some incidents had more affected users than were recorded');
    push('(partial enrichment or a truncated list).');
  }
  if (f.ongoing.length > 0) {
    push('Incidents are counted once, in the period they started; one still open');
    push('at the period end is shown as open here even if it resolved later.');
  }
  if (f.testIncidentsExcluded > 0) push(`${plural(f.testIncidentsExcluded, 'test alert')} not counted.`);
  if (!f.users.names && f.incidents > 0) push('Users are counted, not named (digest.nameUsers is off).');
}

function pushMore(push: Push, omitted: number, what: string): void {
  if (omitted > 0) push(`  +${plural(omitted, what)}`);
}

/** Comma-separated items wrapped at `width`. */
function wrap(items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  items.forEach((item, i) => {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (line === '') line = piece;
    else if (line.length + 1 + piece.length <= width) line += ` ${piece}`;
    else {
      lines.push(line);
      line = piece;
    }
  });
  if (line !== '') lines.push(line);
  return lines;
}

/** Last line of defence for the 72-column promise. */
function fit(line: string): string {
  return line.length <= WIDTH ? line : truncate(line, WIDTH);
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
