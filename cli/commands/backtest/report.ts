/**
 * The backtest's result as data: what `--json` prints and what the text and HTML renderers
 * read. Times are ISO strings (UTC) and nothing depends on the wall clock or the machine, so
 * the same input always gives the same report (golden files rely on it).
 */
import type { UserImpact } from '../../../functions/notifier/enrichment';
import { evaluationRangePeriods, type AlarmStateValue } from '../../../rules/alarm';
import type { AlarmSettings, Rule, Severity } from '../../../rules/schema';
import { compareVariants, type ComparisonReport } from './compare';
import type { IncidentReplay, ReplayResult, Span, VariantReplay } from './replay';
import type { LineProblem } from './trace-file';

export const REPORT_VERSION = 1;
const MINUTE_MS = 60_000;

export interface BacktestReport {
  version: typeof REPORT_VERSION;
  source: SourceReport;
  span: { start: string; end: string; minutes: number } | null;
  rules: RuleReport[];
  /** Rules passed over (no alarm, with `--all`). */
  skipped: { ruleId: string; reason: string }[];
  comparison: ComparisonReport | null;
}

export type SourceReport = FileSourceReport | XRaySourceReport;

export interface FileSourceReport {
  kind: 'file';
  path: string;
  lines: number;
  /** Traces in the span (`--since`/`--until` may leave some of the file out). */
  traces: number;
  tracesInFile: number;
  byShape: { summary: number; trace: number };
  skippedLines: number;
  /** The first malformed lines, with why. */
  problems: LineProblem[];
}

export interface XRaySourceReport {
  kind: 'xray';
  /** The window asked for. */
  since: string;
  until: string;
  /** The part of it actually read (smaller when a cap or an error stopped the reading). */
  covered: { start: string; end: string };
  traces: number;
  requests: number;
  /** Requests X-Ray throttled that the SDK retried. */
  throttledRetries: number;
  /** Why reading stopped early, or null when the whole window was read. */
  partial: string | null;
  queries: { ruleIds: string[]; filterExpression: string; traces: number }[];
}

export interface AlarmReport extends AlarmSettings {
  evaluationRangePeriods: number;
}

export interface RuleReport {
  ruleId: string;
  variant: 'current' | 'edited';
  title: string;
  severity: Severity;
  filterExpression: string;
  /** For the edited rule: what changed, `path: before → after`. */
  changes: string[];
  alarm: AlarmReport | null;
  matchedTraces: number;
  /** Traces the filter could not decide offline (counted as not matching). */
  undecidedTraces: number;
  /** One entry per minute of the span: matching traces, and the alarm's state at the minute's end. */
  minutes: { counts: number[]; states: AlarmStateValue[] | null };
  pages: number;
  minutesInAlarm: number;
  incidents: IncidentReport[];
}

export interface IncidentReport {
  number: number;
  /** The ALARM transition: when the notifier would have paged. */
  pagedAt: string;
  /** The OK transition; null when still open at the end of the span. */
  resolvedAt: string | null;
  durationMinutes: number;
  /** Start of the oldest datapoint the ALARM transition judged: "since when" on the page. */
  since: string;
  /** CloudWatch's state reason for the ALARM transition. */
  reason: string;
  peak: { count: number; minute: string };
  /** The notifier's GetTraceSummaries window. */
  query: { start: string; end: string };
  users: UsersReport;
}

export interface UsersReport {
  /** Distinct signed-in users among the window's matching traces. */
  distinct: number;
  capped: boolean;
  top: UserReport[];
  anonymousRequests: number;
  /** Anonymous requests / all matching traces in the window (0–1). */
  anonymousShare: number;
  unattributedTraces: number;
  totalTraces: number;
  faults: number;
}

export interface UserReport {
  username: string;
  requests: number;
  faults: number;
  errors: number;
  throttles: number;
  slowestSeconds: number;
  firstSeen: string | null;
  lastSeen: string | null;
  exampleTraceId: string | null;
}

export interface BuildOptions {
  source: SourceReport;
  /** Rules replayed, in order, and which of them is the edited copy. */
  results: { replay: ReplayResult; edited: ReadonlySet<string> }[];
  changes: readonly string[];
  skipped: BacktestReport['skipped'];
  span: Span | undefined;
}

export function buildReport(options: BuildOptions): BacktestReport {
  const rules = options.results.flatMap(({ replay, edited }) =>
    replay.variants.map((v) => ruleReport(v, edited.has(v.variant.key), options.changes, options.span)),
  );
  const current = rules.find((r) => r.variant === 'current');
  const edited = rules.find((r) => r.variant === 'edited');
  const span = options.span;
  return {
    version: REPORT_VERSION,
    source: options.source,
    span: span
      ? {
          start: iso(span.startMs),
          end: iso(span.startMs + span.minutes * MINUTE_MS),
          minutes: span.minutes,
        }
      : null,
    rules,
    skipped: options.skipped,
    comparison: current && edited ? compareVariants(current, edited) : null,
  };
}

function ruleReport(
  v: VariantReplay,
  edited: boolean,
  changes: readonly string[],
  span: Span | undefined,
): RuleReport {
  const rule: Rule = v.variant.rule;
  const counts: number[] = span
    ? Array.from({ length: span.minutes }, (_, i) => v.counts.get(span.startMs + i * MINUTE_MS) ?? 0)
    : [];
  const states = v.timeline ? [...v.timeline.states] : null;
  return {
    ruleId: rule.id,
    variant: edited ? 'edited' : 'current',
    title: rule.title,
    severity: rule.severity,
    filterExpression: rule.group.filterExpression,
    changes: edited ? [...changes] : [],
    alarm: rule.alarm ? { ...rule.alarm, evaluationRangePeriods: evaluationRangePeriods(rule.alarm) } : null,
    matchedTraces: v.matched,
    undecidedTraces: v.undecided,
    minutes: { counts, states },
    pages: v.incidents.length,
    minutesInAlarm: states?.filter((s) => s === 'ALARM').length ?? 0,
    incidents: v.incidents.map((incident, i) => incidentReport(incident, i + 1)),
  };
}

function incidentReport(incident: IncidentReplay, number: number): IncidentReport {
  const end = incident.resolvedAt ?? incident.query.endMs;
  const t = incident.totals;
  return {
    number,
    pagedAt: iso(incident.enteredAt),
    resolvedAt: incident.resolvedAt === undefined ? null : iso(incident.resolvedAt),
    durationMinutes: Math.round((end - incident.enteredAt) / MINUTE_MS),
    since: iso(Math.min(incident.firstEvaluatedMs, incident.enteredAt)),
    reason: incident.alarm.reason,
    peak: { count: incident.peak.count, minute: iso(incident.peak.minuteMs) },
    query: { start: iso(incident.query.startMs), end: iso(incident.query.endMs) },
    users: {
      distinct: t.distinctUsers,
      capped: t.distinctUsersCapped,
      top: incident.users.map(userReport),
      anonymousRequests: t.anonymousRequests,
      anonymousShare: t.totalTraces === 0 ? 0 : round(t.anonymousRequests / t.totalTraces),
      unattributedTraces: t.unattributedTraces,
      totalTraces: t.totalTraces,
      faults: t.faults,
    },
  };
}

function userReport(u: UserImpact): UserReport {
  return {
    username: u.username,
    requests: u.requests,
    faults: u.faults,
    errors: u.errors,
    throttles: u.throttles,
    slowestSeconds: u.slowestSeconds,
    firstSeen: u.firstSeen ? u.firstSeen.toISOString() : null,
    lastSeen: u.lastSeen ? u.lastSeen.toISOString() : null,
    exampleTraceId: u.exampleTraceId ?? null,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
