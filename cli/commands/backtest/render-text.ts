/**
 * The backtest report for the terminal: where the traces came from, then per rule its filter
 * and alarm, a per-minute sparkline with the alarm's state under it, the incidents it would
 * have paged for (start, end, peak, users, anonymous share) and, for an edited rule, how it
 * differs from the shipped one. Plain text, no colours (output is often piped into CI logs).
 */
import { formatCount, formatPercent, plural } from '../../../templates/format';
import { renderTable } from '../../table';
import type { AlarmReport, BacktestReport, IncidentReport, RuleReport, SourceReport } from './report';
import { BLOCKS, NO_DATAPOINT, sparklineRows } from './sparkline';

/** Users named per incident in the table; the JSON report has the rule's full top list. */
const USERS_IN_TABLE = 3;
const USERS_LISTED = 10;

const SYMBOL: Record<AlarmReport['comparison'], string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

export function renderText(report: BacktestReport): string {
  const out: string[] = [...sourceLines(report)];
  for (const rule of report.rules) out.push('', ...ruleLines(report, rule));
  for (const s of report.skipped) out.push('', `${s.ruleId}: not backtested (${s.reason})`);
  if (report.comparison) {
    const c = report.comparison;
    out.push('', `Edited ${c.ruleId} beside the shipped rule:`);
    out.push(...c.summary.map((line) => `  ${line}`));
  }
  return `${out.join('\n')}\n`;
}

function sourceLines(report: BacktestReport): string[] {
  const span = report.span
    ? `${minute(report.span.start)} → ${minute(report.span.end)} UTC (${plural(report.span.minutes, 'minute')})`
    : 'no traces';
  return [`Backtest over ${describeSource(report.source)}`, `  span: ${span}`, ...sourceNotes(report.source)];
}

function describeSource(source: SourceReport): string {
  if (source.kind === 'file') {
    const shapes = [
      source.byShape.summary > 0 ? plural(source.byShape.summary, 'trace summary', 'trace summaries') : '',
      source.byShape.trace > 0 ? plural(source.byShape.trace, 'local pipeline trace') : '',
    ].filter((s) => s !== '');
    const clipped =
      source.traces < source.tracesInFile ? `; ${formatCount(source.traces)} of them in the span` : '';
    return `${source.path}: ${shapes.join(' and ')}${clipped}`;
  }
  return `X-Ray (GetTraceSummaries): ${plural(source.traces, 'trace')} in ${plural(source.requests, 'request')}`;
}

function sourceNotes(source: SourceReport): string[] {
  if (source.kind === 'file') {
    return source.skippedLines === 0
      ? []
      : [
          `  skipped ${plural(source.skippedLines, 'malformed line')} of ${formatCount(source.lines)} (listed on stderr)`,
        ];
  }
  const notes = [`  asked for ${minute(source.since)} → ${minute(source.until)} UTC`];
  if (source.partial !== null) {
    notes.push(
      `  PARTIAL: read ${minute(source.covered.start)} → ${minute(source.covered.end)} only: ${source.partial}`,
    );
  }
  if (source.throttledRetries > 0) {
    notes.push(
      `  X-Ray throttled ${plural(source.throttledRetries, 'request')}; the SDK retried with backoff`,
    );
  }
  return notes;
}

function ruleLines(report: BacktestReport, rule: RuleReport): string[] {
  const head = `${rule.ruleId}${rule.variant === 'edited' ? ' (edited)' : ''}: ${rule.title} [${rule.severity}]`;
  const lines = [head, `  filter   ${rule.filterExpression}`];
  for (const change of rule.changes) lines.push(`  edit     ${change}`);
  lines.push(
    `  alarm    ${rule.alarm ? describeAlarm(rule.alarm) : 'none (Insights only: it never pages from CloudWatch)'}`,
  );
  const undecided =
    rule.undecidedTraces > 0
      ? `; ${formatCount(rule.undecidedTraces)} undecided offline, counted as not matching`
      : '';
  const total = report.source.traces;
  lines.push(`  matched  ${formatCount(rule.matchedTraces)} of ${plural(total, 'trace')}${undecided}`);
  if (report.span && rule.minutes.counts.length > 0) {
    lines.push(
      '',
      legend(rule),
      ...sparklineRows(Date.parse(report.span.start), rule.minutes.counts, rule.minutes.states),
    );
  }
  if (!rule.alarm) return lines;
  lines.push('');
  if (rule.incidents.length === 0) {
    lines.push('  would not have paged');
    return lines;
  }
  lines.push(
    `  would have paged ${rule.pages === 1 ? '1 time' : `${rule.pages} times`} (${rule.minutesInAlarm} min in ALARM):`,
  );
  lines.push(...indent(incidentTable(rule.incidents), '  '));
  for (const incident of rule.incidents) lines.push(...usersLines(incident));
  return lines;
}

function legend(rule: RuleReport): string {
  const max = Math.max(0, ...rule.minutes.counts);
  const scale =
    max === 0
      ? 'no matching traces'
      : `${BLOCKS[0]} 1 … ${BLOCKS[BLOCKS.length - 1]} ${formatCount(max)} matching traces`;
  const alarm = rule.alarm
    ? `; ━ ALARM, ? INSUFFICIENT_DATA at the minute's end; threshold ${SYMBOL[rule.alarm.comparison]} ${rule.alarm.threshold}`
    : '';
  return `  per minute, UTC (${scale}, ${NO_DATAPOINT} none${alarm})`;
}

export function describeAlarm(a: AlarmReport): string {
  return (
    `${a.statistic} ${SYMBOL[a.comparison]} ${a.threshold}, ${a.datapointsToAlarm} of ${a.evaluationPeriods} × ${a.periodSeconds} s, ` +
    `missing data ${a.treatMissingData} (evaluation range ${a.evaluationRangePeriods} periods)`
  );
}

function incidentTable(incidents: readonly IncidentReport[]): string {
  return renderTable(
    ['#', 'paged (UTC)', 'resolved', 'for', 'peak/min', 'users', 'anonymous', 'top users (faults/requests)'],
    incidents.map((i) => [
      String(i.number),
      minute(i.pagedAt),
      i.resolvedAt === null ? 'still open' : sameDayTime(i.pagedAt, i.resolvedAt),
      `${i.durationMinutes} min`,
      formatCount(i.peak.count),
      i.users.capped ? `${formatCount(i.users.distinct)}+` : formatCount(i.users.distinct),
      formatPercent(i.users.anonymousShare),
      topUsers(i, USERS_IN_TABLE),
    ]),
  );
}

function usersLines(i: IncidentReport): string[] {
  if (i.users.distinct <= USERS_IN_TABLE && i.users.unattributedTraces === 0) return [];
  const named = topUsers(i, USERS_LISTED);
  const unattributed =
    i.users.unattributedTraces > 0
      ? `; ${plural(i.users.unattributedTraces, 'trace')} without a username`
      : '';
  return [`  #${i.number} users: ${named}${unattributed}`];
}

function topUsers(i: IncidentReport, n: number): string {
  if (i.users.top.length === 0) return i.users.anonymousRequests > 0 ? 'anonymous only' : '—';
  const shown = i.users.top.slice(0, n).map((u) => `${u.username} ${u.faults}/${u.requests}`);
  const more = i.users.distinct - Math.min(n, i.users.top.length);
  return `${shown.join(', ')}${more > 0 ? `, +${formatCount(more)} more` : ''}`;
}

function indent(text: string, prefix: string): string[] {
  return text.split('\n').map((l) => `${prefix}${l}`);
}

/** `2026-11-22 21:07`. */
function minute(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** `21:15`, or the full minute when the day differs. */
function sameDayTime(fromIso: string, toIso: string): string {
  return fromIso.slice(0, 10) === toIso.slice(0, 10) ? toIso.slice(11, 16) : minute(toIso);
}
