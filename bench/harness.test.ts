import { describe, expect, it } from 'vitest';
import { meets, percentile, toResult } from './harness';

describe('bench harness', () => {
  it('computes ratio to baseline and pass/miss against the target', () => {
    const r = toResult('s', {
      name: 'p50',
      value: 1.5,
      unit: 'ms',
      baseline: 0.5,
      target: { op: '<=', value: 1 },
    });
    expect(r).toEqual({
      suite: 's',
      name: 'p50',
      value: 1.5,
      unit: 'ms',
      target: '<= 1',
      baseline: 0.5,
      ratio: 3,
      pass: false,
    });
  });
  it('leaves ratio and pass null when there is no baseline or target', () => {
    expect(toResult('s', { name: 'x', value: 10, unit: 'n' })).toMatchObject({
      ratio: null,
      pass: null,
      baseline: null,
    });
  });
  it('meets() honours the direction of the target', () => {
    expect(meets(2_000_001, { op: '>=', value: 2_000_000 })).toBe(true);
    expect(meets(51, { op: '<=', value: 50 })).toBe(false);
  });
  it('percentile uses nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});
