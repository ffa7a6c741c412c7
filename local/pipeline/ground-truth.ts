/**
 * The run's ground truth, from the scenario and never from the traces: which requests each
 * fault broke (the plan marks them; the fault proxy confirms the request did reach DynamoDB),
 * and so which shoppers each fault affected. Then, per incident, which of those users its
 * page should name and which faults it answers.
 *
 * A rule's alert should name the affected users whose broken requests its query matches. That
 * is decided by the rule's own filter, the way the notifier queries (a FAULT Insight narrows the
 * group's filter to faulted traces), evaluated on the trace each effect produces (an exemplar),
 * so no rule id is hard-coded here.
 *
 * Incident ↔ fault: an incident answers a fault when the rule's query matches the fault's
 * exemplar and the fault was on within ATTRIBUTION_LOOKBACK_MS before the incident began (or
 * while it lasted). An incident that answers no fault is a false page.
 */
import { narrowToFaults } from '../../functions/notifier/query-filter';
import type { AlertSource } from '../../functions/shared/incidents/model';
import { compileFilter } from '../../rules/filter';
import type { Trace } from '../../rules/filter/trace';
import type { Rule } from '../../rules/schema';
import type { PlannedRequest, TrafficPlan } from '../scenario/plan';
import type { Population } from '../scenario/population';
import type { Fault, TimeWindow } from '../scenario/scenario';
import type { WhatSpec } from '../scenario/schema';

/**
 * How long before an incident's first event a fault may have begun and still be what it is
 * about: alarm evaluation (3 one-minute periods), a late datapoint (3 min), an Insight that
 * waits for anomalous minutes and notifies late (5 min), with room to spare.
 */
export const ATTRIBUTION_LOOKBACK_MS = 15 * 60_000;

export interface FaultTruth {
  name: string;
  what: WhatSpec;
  span: TimeWindow;
  windows: TimeWindow[];
  /** Registered shoppers with at least one broken request (usernames, sorted). */
  users: string[];
  /** Broken requests of shoppers with no name (anonymous, and forgers, annotated anonymous). */
  anonymousRequests: number;
  requests: number;
}

/** `applied(request)`: the fault proxy broke at least one DynamoDB call of it. */
export function faultTruths(
  plan: TrafficPlan,
  population: Population,
  applied: (request: PlannedRequest) => boolean,
): FaultTruth[] {
  const usernameOf = new Map(population.registered.map((s) => [s.id, s.user.username]));
  return plan.faults.map((fault) => {
    const broken = plan.requests.filter((r) => r.fault === fault.name && applied(r));
    const users = new Set(broken.flatMap((r) => usernameOf.get(r.shopperId) ?? []));
    return {
      name: fault.name,
      what: fault.what,
      span: fault.span,
      windows: fault.windows,
      users: [...users].sort(),
      anonymousRequests: broken.filter((r) => !usernameOf.has(r.shopperId)).length,
      requests: broken.length,
    };
  });
}

/** What a filter sees of one broken request by `username` (see local/pipeline/lambda-segments.ts). */
export function exemplarTrace(username: string, what: WhatSpec): Trace {
  const failing = what.kind !== 'latency';
  const seconds = what.kind === 'latency' ? what.ms / 1000 : 0.05;
  return {
    id: `exemplar-${what.kind}-${username}`,
    startTime: 0,
    responseTime: seconds,
    duration: seconds,
    http: { status: failing ? 502 : 200, method: 'POST', url: 'https://shop.example/prod/cart' },
    fault: failing,
    error: false,
    throttle: false,
    partial: false,
    users: [],
    annotations: { username: [username], operation: ['cart.add'], generated_cart: [false] },
    services: [],
    availabilityZones: [],
    instanceIds: [],
    resourceArns: [],
  };
}

/** The filter expressions the notifier queries with for an incident fed by `sources`. */
export function queriedFilters(rule: Pick<Rule, 'group'>, sources: readonly AlertSource[]): string[] {
  const expression = rule.group.filterExpression.trim();
  return [
    ...new Set(sources.map((source) => (source === 'insight' ? narrowToFaults(expression) : expression))),
  ];
}

type Matcher = (trace: Trace) => boolean;

function matchers(rule: Pick<Rule, 'group'>, sources: readonly AlertSource[]): Matcher[] {
  return queriedFilters(rule, sources).map((f) => {
    const compiled = compileFilter(f);
    return (trace) => compiled.outcome(trace) === true;
  });
}

/** Whether a rule's query (for these sources) sees the fault's broken requests at all. */
export function ruleSeesFault(
  rule: Pick<Rule, 'group'>,
  sources: readonly AlertSource[],
  fault: FaultTruth,
): boolean {
  const filters = matchers(rule, sources.length > 0 ? sources : ['alarm']);
  const samples = [...fault.users.slice(0, 1), ...(fault.anonymousRequests > 0 ? ['anonymous'] : [])];
  return samples.some((name) => filters.some((f) => f(exemplarTrace(name, fault.what))));
}

/** The users of `faults` a rule's page should name. */
export function expectedUsers(
  rule: Pick<Rule, 'group'>,
  sources: readonly AlertSource[],
  faults: readonly FaultTruth[],
): string[] {
  const filters = matchers(rule, sources);
  const names = faults.flatMap((fault) =>
    fault.users.filter((name) => filters.some((f) => f(exemplarTrace(name, fault.what)))),
  );
  return [...new Set(names)].sort();
}

/** The faults an incident answers (see the file header). */
export function faultsOfIncident(
  incident: { firstFiredAt: string; resolvedAt?: string | undefined; sources: readonly AlertSource[] },
  rule: Pick<Rule, 'group'>,
  faults: readonly FaultTruth[],
): FaultTruth[] {
  const from = Date.parse(incident.firstFiredAt) - ATTRIBUTION_LOOKBACK_MS;
  const to = incident.resolvedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(incident.resolvedAt);
  const sources = incident.sources.filter((s) => s !== 'test');
  return faults.filter(
    (fault) =>
      fault.requests > 0 &&
      fault.windows.some((w) => w.startMs <= to && w.endMs >= from) &&
      ruleSeesFault(rule, sources, fault),
  );
}

export interface Score {
  precision: number;
  recall: number;
}

/** Precision and recall of a reported set. Reporting nobody has no false positives (precision 1). */
export function score(reported: readonly string[], expected: readonly string[]): Score {
  const truth = new Set(expected);
  const hits = new Set(reported.filter((u) => truth.has(u))).size;
  const distinctReported = new Set(reported).size;
  return {
    precision: distinctReported === 0 ? 1 : hits / distinctReported,
    recall: truth.size === 0 ? 1 : hits / truth.size,
  };
}

export type { Fault };
