/**
 * Incidents of a period (and of the period before) → the digest's figures. Pure: no clock,
 * no I/O; everything is judged "as of the period end", so re-running a digest later (after
 * incidents resolved or were paged) reports the same numbers.
 *
 * Counting rules:
 * - an incident belongs to the period its first event fell in, and only to that one; one that
 *   was not resolved by the period end is shown as ongoing, with its duration up to the end;
 * - test incidents are left out (and counted, so the digest can say so);
 * - silenced incidents count (users were hit) and are also listed per rule;
 * - distinct users are the union of the incidents' stored usernames; when a list is known to be
 *   incomplete the figure is a lower bound, and never below the biggest single incident's count;
 * - under sampling, the page's estimate of affected users (incidents keep the largest their
 *   enrichments made) is reported as it was paged: the period shows the largest incident
 *   estimate, raised to the users seen when the union of names is bigger. Estimates are not
 *   added up: the same users often feed several incidents (an alarm and an info Insight).
 */
import type { Rule, Severity } from '../../rules/schema';
import type {
  DayCount,
  DigestFigures,
  DurationStats,
  IncidentView,
  PeriodTotals,
  PickupFigures,
  RuleCount,
} from '../../templates/digest-text';
import type { ImpactEstimate, Incident } from '../shared/incidents/model';
import { localDay, type DigestPeriod, type DigestPeriods } from './period';

export type RuleInfo = Pick<Rule, 'id' | 'title' | 'owner'>;

export interface ComputeInput {
  periods: DigestPeriods;
  /** Incidents started in the current period (others are ignored). */
  incidents: readonly Incident[];
  /** Incidents started in the previous period (others are ignored). */
  previousIncidents: readonly Incident[];
  /** Started before the period, still open at its end (carried-over.ts); shown, not counted. */
  carriedOver?: readonly Incident[];
  /** Current titles and owners; incidents of rules no longer in the set keep their own title. */
  rules?: readonly RuleInfo[];
  /** `digest.nameUsers`: only then do usernames leave this function. */
  nameUsers?: boolean;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { page: 0, ticket: 1, info: 2 };

export function computeDigest(input: ComputeInput): DigestFigures {
  const { current, previous } = input.periods;
  const rules = new Map((input.rules ?? []).map((r) => [r.id, r]));
  const started = startedIn(current, input.incidents);
  // An incident folded into another's thread (inhibited or linked) is part of that one.
  const real = started.filter((i) => !i.test && !i.relatedTo);
  const users = affectedUsers(real);
  const timeToResolve = resolveStats(current, real);

  return {
    period: current,
    previousPeriod: previous,
    incidents: real.length,
    bySeverity: countBySeverity(real),
    byRule: countByRule(real, rules),
    users: {
      distinct: users.distinct,
      lowerBound: users.lowerBound,
      ...(users.estimate ? { estimate: users.estimate } : {}),
      ...(input.nameUsers ? { names: [...users.names].sort() } : {}),
    },
    anonymousRequests: real.reduce((sum, i) => sum + i.impact.anonymousRequests, 0),
    timeToPage: stats(
      real.flatMap((i) =>
        i.pagedAt !== undefined && Date.parse(i.pagedAt) < current.end.getTime()
          ? [Date.parse(i.pagedAt) - Date.parse(i.firstFiredAt)]
          : [],
      ),
    ),
    timeToResolve,
    pickup: pickup(current, real),
    longest: longestIncident(current, real),
    ongoing: real
      .filter((i) => isOngoing(current, i))
      .map((i) => view(current, i))
      .sort((a, b) => a.firstFiredAt.getTime() - b.firstFiredAt.getTime() || a.id.localeCompare(b.id)),
    carriedOver: (input.carriedOver ?? [])
      .filter((i) => !i.test && Date.parse(i.firstFiredAt) < current.start.getTime())
      .map((i) => view(current, i))
      .sort((a, b) => a.firstFiredAt.getTime() - b.firstFiredAt.getTime() || a.id.localeCompare(b.id)),
    silenced: countByRule(
      real.filter((i) => i.silenced),
      rules,
    ),
    testIncidentsExcluded: started.length - real.length,
    days: countByDay(current, real),
    previous: totals(previous, input.previousIncidents),
  };
}

/** The headline numbers of a period, for the comparison line. */
export function totals(period: DigestPeriod, incidents: readonly Incident[]): PeriodTotals {
  const real = startedIn(period, incidents).filter((i) => !i.test && !i.relatedTo);
  const users = affectedUsers(real);
  return {
    incidents: real.length,
    distinctUsers: users.distinct,
    usersLowerBound: users.lowerBound,
    medianTimeToResolveMs: resolveStats(period, real).medianMs,
  };
}

/** The store already queries by start time; this keeps the function honest on its own. */
function startedIn(period: DigestPeriod, incidents: readonly Incident[]): Incident[] {
  const start = period.start.getTime();
  const end = period.end.getTime();
  return incidents.filter((i) => {
    const at = Date.parse(i.firstFiredAt);
    return at >= start && at < end;
  });
}

/** Resolved after the period end means "still open" as far as this period knows. */
function isOngoing(period: DigestPeriod, incident: Incident): boolean {
  return incident.resolvedAt === undefined || Date.parse(incident.resolvedAt) >= period.end.getTime();
}

function durationMs(period: DigestPeriod, incident: Incident): number {
  const until = isOngoing(period, incident) ? period.end.getTime() : Date.parse(incident.resolvedAt ?? '');
  return until - Date.parse(incident.firstFiredAt);
}

function resolveStats(period: DigestPeriod, incidents: readonly Incident[]): DurationStats {
  return stats(incidents.filter((i) => !isOngoing(period, i)).map((i) => durationMs(period, i)));
}

function view(period: DigestPeriod, incident: Incident): IncidentView {
  return {
    id: incident.id,
    ruleId: incident.ruleId,
    title: incident.title,
    severity: incident.severity,
    firstFiredAt: new Date(incident.firstFiredAt),
    durationMs: durationMs(period, incident),
    ongoing: isOngoing(period, incident),
  };
}

function longestIncident(period: DigestPeriod, incidents: readonly Incident[]): IncidentView | undefined {
  let best: IncidentView | undefined;
  for (const incident of incidents) {
    const candidate = view(period, incident);
    if (
      !best ||
      candidate.durationMs > best.durationMs ||
      (candidate.durationMs === best.durationMs && candidate.firstFiredAt < best.firstFiredAt)
    ) {
      best = candidate;
    }
  }
  return best;
}

/**
 * How the period's pages were picked up, as of its end (PagerDuty's "time to acknowledge"):
 * page-severity incidents paged before the end; an acknowledgement after the end has not
 * happened yet as far as this period knows.
 */
function pickup(period: DigestPeriod, incidents: readonly Incident[]): PickupFigures {
  const end = period.end.getTime();
  const pages = incidents.filter(
    (i) => i.severity === 'page' && i.pagedAt !== undefined && Date.parse(i.pagedAt) < end,
  );
  const delays = pages.flatMap((i) =>
    i.acknowledgement && Date.parse(i.acknowledgement.at) < end
      ? [Math.max(0, Date.parse(i.acknowledgement.at) - Date.parse(i.pagedAt ?? ''))]
      : [],
  );
  return {
    pages: pages.length,
    acknowledged: delays.length,
    timeToAcknowledge: stats(delays),
    escalated: pages.filter((i) => (i.escalation?.steps ?? []).some((s) => Date.parse(s.at) < end)).length,
  };
}

/** Median (mean of the middle two for an even count) and worst, in ms. */
export function stats(values: readonly number[]): DurationStats {
  if (values.length === 0) return { count: 0, medianMs: undefined, worstMs: undefined };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
  return { count: sorted.length, medianMs: median, worstMs: sorted[sorted.length - 1]! };
}

function affectedUsers(incidents: readonly Incident[]) {
  const names = new Set<string>();
  let biggest = 0;
  let lowerBound = false;
  let estimate: ImpactEstimate | undefined;
  for (const incident of incidents) {
    for (const name of incident.users) names.add(name);
    biggest = Math.max(biggest, incident.impact.affectedUsers);
    const own = incident.impact.estimate;
    if (own && (!estimate || own.estimate > estimate.estimate)) estimate = own;
    // A stored list shorter than the incident's own count is incomplete, whatever the flags say.
    if (
      incident.usersTruncated ||
      incident.impact.partial ||
      incident.impact.affectedUsers > incident.users.length
    ) {
      lowerBound = true;
    }
  }
  const distinct = Math.max(names.size, biggest);
  return {
    names,
    distinct,
    lowerBound,
    estimate: estimate && {
      estimate: Math.max(distinct, estimate.estimate),
      low: Math.max(distinct, estimate.low),
      high: Math.max(distinct, estimate.high),
    },
  };
}

function countBySeverity(incidents: readonly Incident[]): Record<Severity, number> {
  const out: Record<Severity, number> = { page: 0, ticket: 0, info: 0 };
  for (const incident of incidents) out[incident.severity] += 1;
  return out;
}

function countByRule(incidents: readonly Incident[], rules: ReadonlyMap<string, RuleInfo>): RuleCount[] {
  const byRule = new Map<string, RuleCount & { latest: number }>();
  for (const incident of incidents) {
    const at = Date.parse(incident.firstFiredAt);
    const known = rules.get(incident.ruleId);
    const entry = byRule.get(incident.ruleId) ?? {
      ruleId: incident.ruleId,
      title: known?.title ?? incident.title,
      owner: known?.owner,
      severity: incident.severity,
      count: 0,
      latest: at,
    };
    entry.count += 1;
    if (SEVERITY_RANK[incident.severity] < SEVERITY_RANK[entry.severity]) entry.severity = incident.severity;
    // A rule that left the set is named by its most recent incident's title.
    if (!known && at >= entry.latest) {
      entry.title = incident.title;
      entry.latest = at;
    }
    byRule.set(incident.ruleId, entry);
  }
  return [...byRule.values()]
    .map(({ latest: _latest, ...rule }) => rule)
    .sort(
      (a, b) =>
        b.count - a.count ||
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        a.ruleId.localeCompare(b.ruleId),
    );
}

function countByDay(period: DigestPeriod, incidents: readonly Incident[]): DayCount[] {
  const days = new Map(
    period.days.map((date) => [date, { date, total: 0, bySeverity: { page: 0, ticket: 0, info: 0 } }]),
  );
  for (const incident of incidents) {
    const day = days.get(localDay(incident.firstFiredAt, period.timezone));
    if (!day) continue;
    day.total += 1;
    day.bySeverity[incident.severity] += 1;
  }
  return [...days.values()];
}
