/**
 * Which of the injected users an incident should name. The scenario injected two effects
 * (failing carts, slow carts); a rule's alert should name exactly the injected users whose
 * affected requests its query matches. That is decided by the rule's own filter, the way the
 * notifier queries (a FAULT Insight narrows the group's filter to faulted traces), evaluated on
 * the trace each effect produces, so no rule id is hard-coded here.
 */
import { narrowToFaults } from '../../functions/notifier/query-filter';
import type { AlertSource } from '../../functions/shared/incidents/model';
import { compileFilter } from '../../rules/filter';
import type { Trace } from '../../rules/filter/trace';
import type { Rule } from '../../rules/schema';
import type { GroundTruth } from '../scenario/population';

export type Effect = 'failing' | 'slow';

/** What a filter sees of one affected request by `username` (see local/pipeline/lambda-segments.ts). */
export function exemplarTrace(username: string, effect: Effect, slowMs: number): Trace {
  const failing = effect === 'failing';
  return {
    id: `exemplar-${effect}-${username}`,
    startTime: 0,
    responseTime: failing ? 0.05 : slowMs / 1000,
    duration: failing ? 0.05 : slowMs / 1000,
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

export function expectedUsers(
  rule: Pick<Rule, 'group'>,
  sources: readonly AlertSource[],
  truth: GroundTruth,
  slowMs: number,
): string[] {
  const filters = queriedFilters(rule, sources).map((f) => compileFilter(f));
  const injected: Array<[string, Effect]> = [
    ...truth.failing.map((u): [string, Effect] => [u.username, 'failing']),
    ...truth.slow.map((u): [string, Effect] => [u.username, 'slow']),
  ];
  return injected
    .filter(([name, effect]) => filters.some((f) => f.outcome(exemplarTrace(name, effect, slowMs)) === true))
    .map(([name]) => name)
    .sort();
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
