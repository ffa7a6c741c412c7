import { describe, expect, it } from 'vitest';
import { AWS_TIMING, IDEAL_TIMING, TIMING_ASSUMPTIONS, timingOn, timingWithout, within } from './aws-timing';

describe('AWS-like timing assumptions', () => {
  it('are all on by default and all off in the ideal timing', () => {
    expect(timingOn(AWS_TIMING)).toEqual([...TIMING_ASSUMPTIONS]);
    expect(timingOn(IDEAL_TIMING)).toEqual([]);
    expect(timingWithout([...TIMING_ASSUMPTIONS])).toEqual(IDEAL_TIMING);
  });

  it.each(TIMING_ASSUMPTIONS.map((name) => [name]))('turns %s off alone', (name) => {
    const timing = timingWithout([name]);
    expect(timingOn(timing)).toEqual(TIMING_ASSUMPTIONS.filter((n) => n !== name));
  });

  it('keeps each delay inside the documented range', () => {
    expect(within({ minMs: 100, maxMs: 300 }, 0)).toBe(100);
    expect(within({ minMs: 100, maxMs: 300 }, 0.5)).toBe(200);
    expect(within({ minMs: 100, maxMs: 300 }, 0.999_999)).toBe(300);
  });
});
