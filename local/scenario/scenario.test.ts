import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../functions/cart/catalog';
import { parseRunArgs, UsageError } from './options';
import { MINUTE_MS, phaseAt, planTraffic, type TrafficPlan } from './plan';
import { createPopulation, type Population } from './population';
import { MIN_PHASES, scenario, totalMinutes } from './presets';
import { createPrng } from './prng';

const products = createCatalog()
  .list()
  .map((p) => p.productId);

function build(
  seed: number,
  name: 'default' | 'short' = 'short',
): { population: Population; plan: TrafficPlan } {
  const prng = createPrng(seed);
  const s = scenario(name);
  const population = createPopulation(s, prng);
  return { population, plan: planTraffic(s, population, products, prng) };
}

describe('seeded PRNG', () => {
  it('repeats itself for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createPrng(seed).next);
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(createPrng(1).uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('scenario determinism', () => {
  it('plans the same shoppers, traffic and ground truth for the same seed', () => {
    expect(build(42)).toEqual(build(42));
  });

  it('plans a different run for another seed', () => {
    const a = build(42);
    const b = build(43);
    expect(a.population.truth).not.toEqual(b.population.truth);
    expect(a.plan.requests).not.toEqual(b.plan.requests);
  });
});

describe('ground truth', () => {
  const { population, plan } = build(42, 'default');
  const { failing, slow } = population.truth;
  const registeredSubs = new Set(population.registered.map((s) => s.user.sub));
  const shopperBySub = new Map(population.registered.map((s) => [s.user.sub, s.id]));

  it('is two disjoint subsets of the registered shoppers, of the scenario sizes', () => {
    expect(failing).toHaveLength(scenario('default').injected.failing);
    expect(slow).toHaveLength(scenario('default').injected.slow);
    const all = [...failing, ...slow];
    expect(new Set(all.map((u) => u.sub)).size).toBe(all.length);
    expect(all.every((u) => registeredSubs.has(u.sub))).toBe(true);
  });

  it('gives every injected user a cart write in every fault minute, so each one is affected', () => {
    const fault = plan.phases.find((p) => p.name === 'fault')!;
    for (let minute = fault.startMs; minute < fault.endMs; minute += MINUTE_MS) {
      for (const user of [...failing, ...slow]) {
        const writes = plan.requests.filter(
          (r) =>
            r.shopperId === shopperBySub.get(user.sub) &&
            r.action === 'cart.add' &&
            r.atMs >= minute &&
            r.atMs < minute + MINUTE_MS,
        );
        expect(writes.length, `${user.username} at minute ${minute}`).toBeGreaterThan(0);
      }
    }
  });

  it('keeps slowed users to single-call cart actions while the fault lasts', () => {
    const slowIds = new Set(slow.map((u) => shopperBySub.get(u.sub)));
    const during = plan.requests.filter(
      (r) => slowIds.has(r.shopperId) && phaseAt(plan.phases, r.atMs) === 'fault',
    );
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((r) => ['cart.add', 'cart.list', 'cart.update'].includes(r.action))).toBe(true);
  });

  it("has forgers claim failing users' subs under names nobody registered", () => {
    const failingSubs = new Set(failing.map((u) => u.sub));
    const names = new Set(population.registered.map((s) => s.user.username));
    expect(population.forgers.length).toBeGreaterThan(0);
    for (const forger of population.forgers) {
      expect(failingSubs.has(forger.claims.sub)).toBe(true);
      expect(names.has(forger.claims.username)).toBe(false);
    }
    const forged = plan.requests.filter((r) => r.shopperId.startsWith('forger-'));
    expect(forged.length).toBeGreaterThan(0);
    expect(forged.every((r) => r.forgery !== undefined)).toBe(true);
  });

  it('plans requests in time order, inside the run, in three phases', () => {
    const times = plan.requests.map((r) => r.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(plan.startMs);
    expect(times.at(-1)).toBeLessThan(plan.endMs);
    expect(plan.phases.map((p) => p.name)).toEqual(['normal', 'fault', 'recovery']);
    expect(plan.phases[0]?.startMs).toBe(Date.parse('2026-11-22T21:00:00Z'));
  });
});

describe('scenario presets', () => {
  it('stretches to a duration keeping every phase above its minimum', () => {
    const s = scenario('default', 30);
    expect(totalMinutes(s.phases)).toBe(30);
    expect(scenario('short', 9).phases).toEqual(MIN_PHASES);
    const squeezed = scenario('default', 10).phases;
    expect(totalMinutes(squeezed)).toBe(10);
    expect(squeezed.fault).toBeGreaterThanOrEqual(MIN_PHASES.fault);
    expect(squeezed.recovery).toBeGreaterThanOrEqual(MIN_PHASES.recovery);
    expect(() => scenario('default', 5)).toThrow(/--duration/);
  });
});

describe('options', () => {
  it('parses every option', () => {
    expect(
      parseRunArgs([
        '--scenario',
        'short',
        '--seed',
        '7',
        '--duration',
        '12',
        '--speed',
        '120',
        '--duplicates',
        '3',
        '--xray-throttles',
        '10',
        '--out',
        '/tmp/x',
        '--tracing',
        'otel',
        '--bundled',
        '--plain',
      ]),
    ).toEqual({
      scenario: 'short',
      seed: 7,
      durationMinutes: 12,
      speed: 120,
      duplicates: 3,
      xrayThrottles: 10,
      outDir: '/tmp/x',
      tracing: 'otel',
      bundled: true,
      plain: true,
      help: false,
    });
    expect(parseRunArgs([])).toMatchObject({
      scenario: 'default',
      seed: 42,
      speed: undefined,
      duplicates: 1,
      tracing: 'xray',
      bundled: false,
    });
  });

  it.each([
    [['--scenario', 'long'], /--scenario must be one of default, short/],
    [['--seed', '1.5'], /--seed must be a whole number/],
    [['--duplicates', '0'], /--duplicates/],
    [['--speed', 'fast'], /--speed/],
    [['--bogus'], /Unknown option/],
    [['--tracing', 'jaeger'], /--tracing must be one of xray, otel, not "jaeger"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseRunArgs(argv)).toThrow(UsageError);
    expect(() => parseRunArgs(argv)).toThrow(message);
  });
});
