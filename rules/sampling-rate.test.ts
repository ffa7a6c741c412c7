import { describe, expect, it } from 'vitest';
import { ruleSet } from '.';
import { effectiveSamplingRate, XRAY_DEFAULT_FIXED_RATE } from './sampling-rate';

const rule = (name: string, fixedRate: number) => ({
  name,
  priority: 1,
  reservoirSize: 1,
  fixedRate,
  serviceName: '*',
  serviceType: '*',
  host: '*',
  httpMethod: '*',
  urlPath: '*',
  resourceArn: '*',
});

describe('effectiveSamplingRate', () => {
  it('is 100% for the shipped rule set, which traces every cart request', () => {
    expect(effectiveSamplingRate(ruleSet)).toBe(1);
  });
  it("falls back to X-Ray's default 5% without rules of our own", () => {
    expect(effectiveSamplingRate({ sampling: [] })).toBe(XRAY_DEFAULT_FIXED_RATE);
  });
  it('reports the lowest fixed rate as the lower bound', () => {
    expect(effectiveSamplingRate({ sampling: [rule('a', 1), rule('b', 0.1)] })).toBe(0.1);
  });
});
