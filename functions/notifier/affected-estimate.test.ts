import { describe, expect, it } from 'vitest';
import { estimateAffected, poissonInterval95, type CaptureFrequencies } from './affected-estimate';
import { seededRandom as seeded } from './test-support';

/** One sampled outage: each of `users` makes `requests(i)` affected requests, each traced with `rate`. */
function observe(users: number, requests: (i: number) => number, rate: number, random: () => number) {
  const frequencies: CaptureFrequencies = { seen: 0, seenOnce: 0, seenTwice: 0 };
  for (let i = 0; i < users; i++) {
    let traced = 0;
    for (let r = requests(i); r > 0; r--) if (random() < rate) traced++;
    if (traced > 0) frequencies.seen++;
    if (traced === 1) frequencies.seenOnce++;
    if (traced === 2) frequencies.seenTwice++;
  }
  return frequencies;
}

function simulate(runs: number, users: number, requests: (i: number) => number, rate: number) {
  const random = seeded(20_260_101);
  let covered = 0;
  const errors: number[] = [];
  for (let run = 0; run < runs; run++) {
    const estimate = estimateAffected(observe(users, requests, rate, random), rate)!;
    if (estimate.low <= users && users <= estimate.high) covered++;
    errors.push(Math.abs(estimate.estimate - users) / users);
  }
  errors.sort((a, b) => a - b);
  return { coverage: covered / runs, medianError: errors[Math.floor(runs / 2)]! };
}

describe('affected-user estimate under sampling (bias-corrected Chao1)', () => {
  it('computes the documented formula: 80 seen, 60 once, 15 twice', () => {
    // f0 = 60·59 / (2·16) = 110.625; var = 110.625 + 829.74 + 717.07 = 1657.4; C = 2.0109
    expect(estimateAffected({ seen: 80, seenOnce: 60, seenTwice: 15 }, 0.05)).toEqual({
      method: 'chao1',
      seen: 80,
      seenOnce: 60,
      seenTwice: 15,
      estimate: 191,
      low: 135,
      high: 303,
      samplingRate: 0.05,
    });
  });

  it('with nobody seen twice, reaches up to what the sampling rate allows', () => {
    const estimate = estimateAffected({ seen: 6, seenOnce: 6, seenTwice: 0 }, 0.05)!;
    expect(estimate.estimate).toBe(21); // 6 + 6·5/2
    expect(estimate.low).toBeGreaterThanOrEqual(6);
    // U = (6 + 1.96·√6 + 1) / 0.05 = 236.02: one affected request each, as many as 5 % sampling allows.
    expect(estimate.high).toBe(237);
  });

  it('never estimates more users than the sampling rate allows', () => {
    // 37 users all seen once at 20 %: Chao1 says 37 + 37·36/2 = 703, but N ≤ (37 + 11.9 + 1)/0.2 = 250.
    const estimate = estimateAffected({ seen: 37, seenOnce: 37, seenTwice: 0 }, 0.2)!;
    expect(estimate).toMatchObject({ estimate: 250, high: 250 });
    expect(estimate.low).toBeLessThanOrEqual(250);
  });

  it("computes f2's exact Poisson interval (Garwood) closely", () => {
    const close = ([a, b]: [number, number], [x, y]: [number, number]) => {
      expect(a).toBeCloseTo(x, 1);
      expect(b).toBeCloseTo(y, 1);
    };
    close(poissonInterval95(0), [0, 3.689]);
    close(poissonInterval95(5), [1.623, 11.668]);
    close(poissonInterval95(15), [8.395, 24.74]);
  });

  it('says nothing at full sampling, and nothing beyond the users seen without singletons', () => {
    expect(estimateAffected({ seen: 5, seenOnce: 3, seenTwice: 1 }, 1)).toBeUndefined();
    expect(estimateAffected({ seen: 5, seenOnce: 3, seenTwice: 1 }, undefined)).toBeUndefined();
    expect(estimateAffected({ seen: 9, seenOnce: 1, seenTwice: 4 }, 0.1)).toMatchObject({
      estimate: 9,
      low: 9,
      high: 9,
    });
    expect(estimateAffected({ seen: 0, seenOnce: 0, seenTwice: 0 }, 0.1)).toMatchObject({ estimate: 0 });
  });

  it('refuses frequencies that cannot be (more singletons than users seen)', () => {
    expect(estimateAffected({ seen: 2, seenOnce: 3, seenTwice: 0 }, 0.05)).toBeUndefined();
    expect(estimateAffected({ seen: 2.5, seenOnce: 1, seenTwice: 0 }, 0.05)).toBeUndefined();
  });

  it('covers the true count ≥ 90 % of the time when users are hit alike (200 users, 10 requests, 5 %)', () => {
    const { coverage, medianError } = simulate(400, 200, () => 10, 0.05);
    expect(coverage).toBeGreaterThanOrEqual(0.9);
    expect(medianError).toBeLessThan(0.25);
  });

  it('still covers ≥ 90 % on thin data: a first page with 3 affected requests a user at 5 %', () => {
    const { coverage } = simulate(400, 200, () => 3, 0.05);
    expect(coverage).toBeGreaterThanOrEqual(0.9);
  });

  it('is a lower bound when some users are hit far more often than others (the documented limit)', () => {
    const { coverage } = simulate(400, 200, (i) => (i % 2 === 0 ? 2 : 18), 0.05);
    expect(coverage).toBeLessThan(0.8);
  });
});
