/**
 * The share of requests behind the numbers on a page. Requests are traced by whichever
 * sampling rule matches them first, and a page cannot know which did, so the lowest
 * `fixedRate` among the rules is reported (a lower bound; the reservoir adds a few requests
 * per second on top). Without rules of our own X-Ray's default applies: 1 request/s plus 5%.
 */
import type { RuleSet } from './schema';

export const XRAY_DEFAULT_FIXED_RATE = 0.05;

export function effectiveSamplingRate(ruleSet: Pick<RuleSet, 'sampling'>): number {
  if (ruleSet.sampling.length === 0) return XRAY_DEFAULT_FIXED_RATE;
  return Math.min(...ruleSet.sampling.map((rule) => rule.fixedRate));
}
