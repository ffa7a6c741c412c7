/**
 * The named scenarios: how long each phase lasts, how busy the shop is, who shops and how many
 * of the registered shoppers the fault hits. `default` is what `npm start` shows a newcomer;
 * `short` is the same story with the smallest phases that still let every alarm fire and clear
 * (the end-to-end tests run it).
 */

export const SCENARIO_NAMES = ['default', 'short'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Phases {
  /** Virtual minutes of healthy traffic before the fault. */
  normal: number;
  /** Virtual minutes during which DynamoDB fails some users' carts and slows others'. */
  fault: number;
  /** Virtual minutes of healthy traffic after it, for alarms and Insights to clear. */
  recovery: number;
}

export interface Scenario {
  name: ScenarioName;
  phases: Phases;
  /** Background requests per virtual minute (the injected users' extra requests come on top). */
  requestsPerMinute: number;
  shoppers: { registered: number; anonymous: number; forgers: number };
  /** Registered shoppers the fault hits: their cart requests fail, or take `slowMs`. */
  injected: { failing: number; slow: number };
  slowMs: number;
  /**
   * Virtual start. A Sunday evening in London, so the weekly digest (Mondays 08:00
   * Europe/London) that runs after the traffic reports on a week that contains it.
   */
  start: Date;
}

/**
 * Smallest phases that still tell the whole story: the fault alarm needs 2 breaching minutes
 * out of 3 and the Insight 1 anomalous minute; clearing takes 2 clean minutes for the alarm
 * and 2 quiet ones for the Insight, plus one to spare.
 */
export const MIN_PHASES: Phases = { normal: 2, fault: 3, recovery: 4 };

const START = new Date('2026-11-22T21:00:00Z');
/** Traffic must end before Monday 00:00 in London, where the digest's reporting week ends. */
export const MAX_MINUTES = 170;

const SCENARIOS: Record<ScenarioName, Scenario> = {
  default: {
    name: 'default',
    phases: { normal: 5, fault: 6, recovery: 6 },
    requestsPerMinute: 60,
    shoppers: { registered: 24, anonymous: 12, forgers: 3 },
    injected: { failing: 5, slow: 3 },
    slowMs: 3_500,
    start: START,
  },
  short: {
    name: 'short',
    phases: MIN_PHASES,
    requestsPerMinute: 24,
    shoppers: { registered: 12, anonymous: 6, forgers: 2 },
    injected: { failing: 3, slow: 2 },
    slowMs: 3_500,
    start: START,
  },
};

export function totalMinutes(phases: Phases): number {
  return phases.normal + phases.fault + phases.recovery;
}

/**
 * The named scenario, optionally stretched or squeezed to `durationMinutes` (phases keep their
 * proportions, never below {@link MIN_PHASES}).
 */
export function scenario(name: ScenarioName, durationMinutes?: number): Scenario {
  const base = SCENARIOS[name];
  if (durationMinutes === undefined) return base;
  const minimum = totalMinutes(MIN_PHASES);
  if (!Number.isInteger(durationMinutes) || durationMinutes < minimum || durationMinutes > MAX_MINUTES) {
    throw new RangeError(`--duration must be a whole number of minutes from ${minimum} to ${MAX_MINUTES}`);
  }
  const scale = durationMinutes / totalMinutes(base.phases);
  const normal = Math.max(MIN_PHASES.normal, Math.round(base.phases.normal * scale));
  const fault = Math.max(MIN_PHASES.fault, Math.round(base.phases.fault * scale));
  const recovery = durationMinutes - normal - fault;
  if (recovery < MIN_PHASES.recovery) {
    const rest = durationMinutes - MIN_PHASES.recovery;
    const squeezedFault = Math.max(MIN_PHASES.fault, rest - Math.max(MIN_PHASES.normal, normal));
    return {
      ...base,
      phases: { normal: rest - squeezedFault, fault: squeezedFault, recovery: MIN_PHASES.recovery },
    };
  }
  return { ...base, phases: { normal, fault, recovery } };
}
