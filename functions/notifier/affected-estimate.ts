/**
 * How many users an alert affected when only a share of requests is traced: the users seen in
 * sampled traces are a lower bound, so the page adds an estimate with a 95 % interval.
 *
 * Estimator: bias-corrected Chao1 (Chao 1984; bias correction and variance: Chao 2005,
 * "Species estimation and applications", Encyclopedia of Statistical Sciences), the standard
 * "how many species did the sample miss" estimate, with users as species and a user's traced
 * affected requests as the individuals caught:
 *
 *   S  = users seen, f1 = users seen in exactly one traced request, f2 = in exactly two
 *   f0 = f1(f1 − 1) / (2(f2 + 1))          users affected but never traced
 *   N  = S + f0
 *   var(N) = f1(f1−1)/(2(f2+1)) + f1(2f1−1)²/(4(f2+1)²) + f1²f2(f1−1)²/(4(f2+1)⁴)      (f2 > 0)
 *          = f1(f1−1)/2 + f1(2f1−1)²/4 − f1⁴/(4N)                                   (f2 = 0)
 *   95 % interval (log-normal, so it never goes below S): S + f0/C … S + f0·C,
 *   C = exp(1.96 · √ln(1 + var/f0²))
 *
 * Why it works: if each affected user made n affected requests and each request is traced
 * independently with probability p, a user's traced count is Binomial(n, p) ≈ Poisson(λ = np).
 * Then E[f1]²/(2E[f2]) = N e^{−λ} = E[f0]: the users seen once and twice say how many were
 * seen zero times. The sampling rate itself is not needed, which matters because it is not
 * known per request (the reservoir traces a few requests a second at 100 %, and a page cannot
 * tell which sampling rule traced what).
 *
 * Assumptions, and what breaking them does:
 * - Users are hit alike (similar affected-request counts). When some users are hit far more
 *   often than others, Chao1 is a lower bound and the interval's coverage drops (simulated:
 *   half the users on 2 requests and half on 18 at 5 % cover the truth about half the time,
 *   too low by a third). The page says "about", never "exactly".
 * - Requests are sampled independently of who made them (X-Ray's rules do not look at users).
 * - The count covers the enrichment's query window and reads; a partial read (budget, page cap)
 *   estimates from what was read.
 * With f1 ≤ 1 there is nothing to extrapolate from: the estimate is the users seen.
 *
 * Rejected: Horvitz–Thompson with per-user inclusion 1 − (1 − p)^n̂ (n̂ from the traced count
 * itself is biased upward for users seen once, and needs p); a zero-truncated Poisson fit
 * (same homogeneity assumption, no closed-form interval). See docs/affected-estimate.md.
 */

export interface CaptureFrequencies {
  /** Distinct users seen (S). */
  seen: number;
  /** Users seen in exactly one traced request (f1). */
  seenOnce: number;
  /** Users seen in exactly two traced requests (f2). */
  seenTwice: number;
}

export interface AffectedEstimate extends CaptureFrequencies {
  method: 'chao1';
  /** Point estimate of affected users, rounded; never below `seen`. */
  estimate: number;
  /** 95 % interval, `low` ≥ `seen`. */
  low: number;
  high: number;
  /** The sampling rate the page states next to the figure (0–1). */
  samplingRate: number;
}

const Z_95 = 1.959964;

/**
 * The estimate for a sampled enrichment; undefined at 100 % sampling (every affected request
 * was traced, so the users seen are all the users) or with nonsense input.
 */
export function estimateAffected(
  frequencies: CaptureFrequencies,
  samplingRate: number | undefined,
): AffectedEstimate | undefined {
  if (samplingRate === undefined || !(samplingRate > 0 && samplingRate < 1)) return undefined;
  const { seen: s, seenOnce: f1, seenTwice: f2 } = frequencies;
  if (![s, f1, f2].every((n) => Number.isInteger(n) && n >= 0) || f1 + f2 > s) return undefined;
  const base = { method: 'chao1' as const, ...frequencies, samplingRate };
  const unseen = (f1 * (f1 - 1)) / (2 * (f2 + 1));
  if (unseen <= 0) return { ...base, estimate: s, low: s, high: s };
  const n = s + unseen;
  const variance = chao1Variance(f1, f2, n);
  const c = Math.exp(Z_95 * Math.sqrt(Math.log(1 + Math.max(0, variance) / (unseen * unseen))));
  return {
    ...base,
    estimate: Math.round(n),
    low: Math.max(s, Math.floor(s + unseen / c)),
    high: Math.ceil(s + unseen * c),
  };
}

function chao1Variance(f1: number, f2: number, n: number): number {
  if (f2 === 0) return (f1 * (f1 - 1)) / 2 + (f1 * (2 * f1 - 1) ** 2) / 4 - f1 ** 4 / (4 * n);
  const g = f2 + 1;
  return (
    (f1 * (f1 - 1)) / (2 * g) +
    (f1 * (2 * f1 - 1) ** 2) / (4 * g ** 2) +
    (f1 ** 2 * f2 * (f1 - 1) ** 2) / (4 * g ** 4)
  );
}
