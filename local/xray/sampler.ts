/**
 * X-Ray's sampling decision, made where the trace starts (API Gateway for the shop): the first
 * rule that matches the request, in ascending priority (then name), traces the first
 * `reservoirSize` matching requests of each second and `fixedRate` of the rest; X-Ray's default
 * rule (priority 10000: 1 a second, then 5 %) takes what no rule matches.
 *
 * Sources: X-Ray developer guide, "Configuring sampling rules" (reservoir: matching requests
 * per second traced before the fixed rate applies, shared by every service using the rule;
 * default rule: the first request each second and 5 % of the rest; `*` and `?` wildcards) and
 * "Using sampling rules with the X-Ray API" (rules are evaluated in ascending priority; the
 * default rule has priority 10000). Tie-break by name is an assumption.
 * Simplification: one reservoir for the whole shop (AWS splits it between hosts by quota), so
 * the first requests of each second are the ones it takes.
 *
 * Decisions are drawn from the seeded PRNG in request order, so a seed samples the same requests.
 */
import type { SamplingRule } from '../../rules/schema';
import type { Prng } from '../scenario/prng';

/** What a rule can match on, as X-Ray sees an API Gateway request. */
export interface SampledRequest {
  atMs: number;
  serviceName: string;
  serviceType: string;
  host: string;
  httpMethod: string;
  urlPath: string;
  resourceArn: string;
}

export const XRAY_DEFAULT_RULE: SamplingRule = {
  name: 'Default',
  priority: 10_000,
  reservoirSize: 1,
  fixedRate: 0.05,
  serviceName: '*',
  serviceType: '*',
  host: '*',
  httpMethod: '*',
  urlPath: '*',
  resourceArn: '*',
};

/** Every request traced: what the run did before sampling was modelled, and `sampling: all`. */
export const TRACE_EVERYTHING: SamplingRule = {
  ...XRAY_DEFAULT_RULE,
  name: 'all',
  priority: 1,
  fixedRate: 1,
};

export interface Sampler {
  sampled(request: SampledRequest): boolean;
  /** Which rule decided each request so far, and how many of its requests were traced. */
  stats(): Record<string, { requests: number; sampled: number }>;
}

export function createSampler(rules: readonly SamplingRule[], prng: Prng): Sampler {
  const ordered = [...rules, XRAY_DEFAULT_RULE]
    .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name))
    .map((rule) => ({ rule, matches: matcher(rule), second: -1, used: 0 }));
  const stats: Record<string, { requests: number; sampled: number }> = {};

  return {
    sampled(request) {
      const entry = ordered.find((e) => e.matches(request))!;
      const second = Math.floor(request.atMs / 1000);
      if (second !== entry.second) {
        entry.second = second;
        entry.used = 0;
      }
      let traced: boolean;
      if (entry.used < entry.rule.reservoirSize) {
        entry.used += 1;
        traced = true;
      } else traced = entry.rule.fixedRate >= 1 || prng.next() < entry.rule.fixedRate;
      const tally = (stats[entry.rule.name] ??= { requests: 0, sampled: 0 });
      tally.requests += 1;
      if (traced) tally.sampled += 1;
      return traced;
    },
    stats: () => structuredClone(stats),
  };
}

function matcher(rule: SamplingRule): (request: SampledRequest) => boolean {
  const fields = {
    serviceName: glob(rule.serviceName, true),
    serviceType: glob(rule.serviceType, true),
    host: glob(rule.host, true),
    httpMethod: glob(rule.httpMethod, true),
    urlPath: glob(rule.urlPath, false),
    resourceArn: glob(rule.resourceArn, false),
  };
  return (request) =>
    (Object.keys(fields) as (keyof typeof fields)[]).every((key) => fields[key](request[key]));
}

/** `*` any run of characters, `?` exactly one; everything else literal. */
export function glob(pattern: string, ignoreCase: boolean): (value: string) => boolean {
  if (pattern === '*') return () => true;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
  return (value) => regex.test(value);
}
