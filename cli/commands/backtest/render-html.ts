/**
 * The backtest report as HTML, email-safe like the digest (templates/digest-html.ts): layout
 * tables and inline styles only, no scripts, no images, no external anything, so it can be
 * mailed or attached to a review as it is. Every text is escaped (rule titles, filters and
 * usernames are untrusted).
 *
 * The chart is drawn with table cells: one column per minute (per group of minutes when the
 * span is longer than {@link MAX_COLUMNS}, showing the busiest minute of the group), the bar red
 * where the count breaches the threshold and blue where it does not, a dark line at the
 * threshold, and the columns where the alarm was in ALARM shaded.
 */
import { breaches } from '../../../rules/alarm';
import { emailDocument, escapeHtml as e } from '../../../templates/email-document';
import { formatCount, formatPercent, plural } from '../../../templates/format';
import type { BacktestReport, IncidentReport, RuleReport } from './report';
import { describeAlarm } from './render-text';

export const MAX_COLUMNS = 120;
const CHART_WIDTH = 600;
const CHART_HEIGHT = 140;
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const INK = '#172b4d';
const MUTED = '#5e6c84';
const LINE = '#dfe1e6';
const BREACH = '#c9372c';
const CALM = '#1d7afc';
const SHADE = '#ffe2dd';
const THRESHOLD = '#172b4d';
const MINUTE_MS = 60_000;

export function renderHtml(report: BacktestReport): string {
  const title = `Backtest: ${report.rules.map((r) => r.ruleId + (r.variant === 'edited' ? ' (edited)' : '')).join(', ')}`;
  const sections = [header(report), ...report.rules.map((r) => ruleSection(report, r))];
  if (report.comparison) {
    const c = report.comparison;
    sections.push(
      block(
        heading(`Edited beside the shipped rule`) +
          c.changes.map((line) => paragraph(line, MUTED, 13)).join('') +
          c.summary.map((line) => paragraph(line, INK, 15)).join(''),
      ),
    );
  }
  for (const s of report.skipped)
    sections.push(block(paragraph(`${s.ruleId}: not backtested (${s.reason})`, MUTED, 13)));
  sections.push(
    block(
      paragraph(
        'Replayed offline: the group metric per minute, the alarm as CloudWatch evaluates it (the local pipeline’s evaluator), and per incident the users the notifier’s query would have named. Times in UTC.',
        MUTED,
        12,
      ),
    ),
  );
  return emailDocument({ title, label: title, rows: sections });
}

function block(inner: string, padding = '16px 20px'): string {
  return `<tr><td style="padding:${padding};border-top:1px solid ${LINE};${FONT}">${inner}</td></tr>`;
}

function heading(text: string): string {
  return `<p style="margin:0 0 8px 0;font-size:13px;font-weight:bold;letter-spacing:1px;text-transform:uppercase;color:${MUTED};">${e(text)}</p>`;
}

function paragraph(text: string, colour: string, size: number): string {
  return `<p style="margin:0 0 6px 0;font-size:${size}px;line-height:1.4;color:${colour};">${e(text)}</p>`;
}

function header(report: BacktestReport): string {
  const source = report.source;
  const from =
    source.kind === 'file'
      ? `${source.path}: ${plural(source.traces, 'trace')}${source.skippedLines > 0 ? `, ${plural(source.skippedLines, 'malformed line')} skipped` : ''}`
      : `X-Ray: ${plural(source.traces, 'trace')} in ${plural(source.requests, 'request')}${source.partial ? ` (PARTIAL: ${source.partial})` : ''}`;
  const span = report.span ? `${minute(report.span.start)} → ${minute(report.span.end)} UTC` : 'no traces';
  return (
    `<tr><td style="padding:20px;background-color:${INK};${FONT}">` +
    `<p style="margin:0;font-size:20px;font-weight:bold;color:#ffffff;">Rule backtest</p>` +
    `<p style="margin:4px 0 0 0;font-size:13px;color:#dfe1e6;">${e(from)}</p>` +
    `<p style="margin:2px 0 0 0;font-size:13px;color:#dfe1e6;">${e(span)}</p>` +
    `</td></tr>`
  );
}

function ruleSection(report: BacktestReport, rule: RuleReport): string {
  const name = `${rule.ruleId}${rule.variant === 'edited' ? ' (edited)' : ''}`;
  const verdict = !rule.alarm
    ? 'No alarm: it never pages from CloudWatch.'
    : rule.pages === 0
      ? 'Would not have paged.'
      : `Would have paged ${rule.pages === 1 ? '1 time' : `${rule.pages} times`} (${rule.minutesInAlarm} min in ALARM).`;
  const facts = [
    `Filter: ${rule.filterExpression}`,
    ...rule.changes.map((c) => `Edit: ${c}`),
    `Alarm: ${rule.alarm ? describeAlarm(rule.alarm) : 'none'}`,
    `Matched ${formatCount(rule.matchedTraces)} of ${plural(report.source.traces, 'trace')}${rule.undecidedTraces > 0 ? `; ${formatCount(rule.undecidedTraces)} undecided offline` : ''}.`,
  ];
  return (
    block(
      `<p style="margin:0 0 4px 0;font-size:17px;font-weight:bold;color:${INK};">${e(name)}: ${e(rule.title)}</p>` +
        facts.map((f) => paragraph(f, MUTED, 12)).join('') +
        `<p style="margin:8px 0 0 0;font-size:16px;font-weight:bold;color:${rule.pages > 0 ? BREACH : INK};">${e(verdict)}</p>`,
    ) +
    (report.span && rule.minutes.counts.length > 0
      ? block(chart(report.span.start, rule), '12px 20px')
      : '') +
    (rule.incidents.length > 0 ? block(incidentTable(rule.incidents)) : '')
  );
}

interface Column {
  startMs: number;
  count: number;
  alarm: boolean;
}

function columns(startIso: string, rule: RuleReport): { cols: Column[]; minutesPerColumn: number } {
  const counts = rule.minutes.counts;
  const per = Math.max(1, Math.ceil(counts.length / MAX_COLUMNS));
  const start = Date.parse(startIso);
  const cols: Column[] = [];
  for (let i = 0; i < counts.length; i += per) {
    const slice = counts.slice(i, i + per);
    const states = rule.minutes.states?.slice(i, i + per) ?? [];
    cols.push({ startMs: start + i * MINUTE_MS, count: Math.max(...slice), alarm: states.includes('ALARM') });
  }
  return { cols, minutesPerColumn: per };
}

function chart(startIso: string, rule: RuleReport): string {
  const { cols, minutesPerColumn } = columns(startIso, rule);
  const threshold = rule.alarm?.threshold;
  const max = Math.max(1, ...cols.map((c) => c.count), threshold ?? 0);
  const px = (n: number) => Math.max(0, Math.min(CHART_HEIGHT, Math.round((n / max) * CHART_HEIGHT)));
  const width = Math.max(2, Math.floor(CHART_WIDTH / cols.length));
  // A 1-px gap between wide columns keeps neighbouring minutes apart.
  const gap = width >= 6 ? 1 : 0;
  const line = threshold === undefined ? undefined : Math.min(CHART_HEIGHT - 1, px(threshold));
  const cells = cols.map((c) => {
    const bar = c.count === 0 ? 0 : Math.max(2, px(c.count));
    const colour = rule.alarm && breaches(c.count, rule.alarm) && c.count > 0 ? BREACH : CALM;
    const segments: [number, string | undefined][] =
      line === undefined
        ? [
            [CHART_HEIGHT - bar, undefined],
            [bar, colour],
          ]
        : [
            [CHART_HEIGHT - Math.max(bar, line + 1), undefined],
            [Math.max(0, bar - (line + 1)), colour],
            [1, THRESHOLD],
            [Math.max(0, line - bar), undefined],
            [Math.min(bar, line), colour],
          ];
    const rows = segments
      .filter(([h]) => h > 0)
      .map(
        ([h, bg]) =>
          `<tr><td height="${h}" style="height:${h}px;line-height:${h}px;font-size:0;padding:0;${bg ? `background-color:${bg};` : ''}">&nbsp;</td></tr>`,
      )
      .join('');
    const label = `${minute(new Date(c.startMs).toISOString())}: ${c.count}${c.alarm ? ' (ALARM)' : ''}`;
    return (
      `<td width="${width}" valign="bottom" title="${e(label)}" style="width:${width}px;padding:0 ${gap}px 0 0;${c.alarm ? `background-color:${SHADE};` : ''}">` +
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${rows}</table></td>`
    );
  });
  const first = cols[0]!;
  const lastCol = cols[cols.length - 1]!;
  const end = new Date(lastCol.startMs + minutesPerColumn * MINUTE_MS).toISOString();
  const middle = new Date((first.startMs + Date.parse(end)) / 2).toISOString();
  const axis =
    `<table role="presentation" width="${width * cols.length}" cellpadding="0" cellspacing="0" border="0" style="width:${width * cols.length}px;"><tr>` +
    `<td width="33%" style="${FONT}font-size:11px;color:${MUTED};">${e(time(new Date(first.startMs).toISOString()))}</td>` +
    `<td width="34%" align="center" style="${FONT}font-size:11px;color:${MUTED};">${e(time(middle))}</td>` +
    `<td width="33%" align="right" style="${FONT}font-size:11px;color:${MUTED};">${e(time(end))}</td></tr></table>`;
  const scale =
    minutesPerColumn === 1
      ? 'one column per minute'
      : `one column per ${minutesPerColumn} minutes (their busiest)`;
  const key =
    `<p style="margin:6px 0 0 0;font-size:11px;color:${MUTED};">` +
    `Matching traces per minute, ${e(scale)}, up to ${e(formatCount(max))}. ` +
    `<span style="color:${BREACH};">&#9632;</span> breaching ` +
    `<span style="color:${CALM};">&#9632;</span> not breaching ` +
    (threshold === undefined
      ? ''
      : `<span style="color:${THRESHOLD};">&#9472;</span> threshold ${e(String(threshold))} `) +
    `<span style="background-color:${SHADE};">&nbsp;&nbsp;&nbsp;</span> alarm in ALARM</p>`;
  return (
    heading('Per minute') +
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-bottom:1px solid ${LINE};"><tr>${cells.join('')}</tr></table>` +
    axis +
    key
  );
}

function incidentTable(incidents: readonly IncidentReport[]): string {
  const th = (text: string, align = 'left') =>
    `<th align="${align}" style="${FONT}font-size:11px;color:${MUTED};padding:4px 6px;border-bottom:1px solid ${LINE};white-space:nowrap;">${e(text)}</th>`;
  const td = (html: string, align = 'left', wrap = false) =>
    `<td align="${align}" valign="top" style="${FONT}font-size:12px;color:${INK};padding:4px 6px;border-bottom:1px solid ${LINE};${wrap ? '' : 'white-space:nowrap;'}">${html}</td>`;
  const rows = incidents.map((i) => {
    const users = i.users.top
      .slice(0, 5)
      .map((u) => `${e(u.username)} <span style="color:${MUTED};">${u.faults}/${u.requests}</span>`);
    const more = i.users.distinct - Math.min(5, i.users.top.length);
    return (
      '<tr>' +
      td(String(i.number), 'right') +
      td(e(minute(i.pagedAt))) +
      td(e(i.resolvedAt === null ? 'still open' : time(i.resolvedAt))) +
      td(e(`${i.durationMinutes} min`), 'right') +
      td(e(formatCount(i.peak.count)), 'right') +
      td(e(formatCount(i.users.distinct)), 'right') +
      td(e(formatPercent(i.users.anonymousShare)), 'right') +
      td(
        (users.join(', ') || e(i.users.anonymousRequests > 0 ? 'anonymous only' : '—')) +
          (more > 0 ? e(`, +${more} more`) : ''),
        'left',
        true,
      ) +
      '</tr>'
    );
  });
  return (
    heading('Incidents') +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;">` +
    `<tr>${th('#', 'right')}${th('paged (UTC)')}${th('resolved')}${th('for', 'right')}${th('peak/min', 'right')}${th('users', 'right')}${th('anon.', 'right')}${th('top users (faults/requests)')}</tr>` +
    rows.join('') +
    '</table>'
  );
}

function minute(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

function time(iso: string): string {
  return iso.slice(11, 16);
}
