import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../functions/cart/catalog';
import { ruleSet } from '../../rules';
import { STAGE } from '../pipeline/services';
import { sampleAtStage, samplingRules } from '../pipeline/sampling';
import { createSampler } from '../xray/sampler';
import { loadScenario, parseScenario, scenarioNames, ScenarioError } from './load';
import { parseRunArgs, UsageError } from './options';
import { MINUTE_MS, planTraffic, type TrafficPlan } from './plan';
import { createPopulation, type Population } from './population';
import { createPrng } from './prng';
import { withDuration, type Scenario } from './scenario';

const products = createCatalog()
  .list()
  .map((p) => p.productId);
const RULE_IDS = ruleSet.rules.map((r) => r.id);

function build(
  seed: number,
  name = 'short',
): { scenario: Scenario; population: Population; plan: TrafficPlan } {
  const scenario = loadScenario(name, RULE_IDS);
  const prng = createPrng(seed);
  const population = createPopulation(scenario, prng);
  const sampler = createSampler(samplingRules(scenario.sampling, ruleSet), createPrng(seed + 1));
  return {
    scenario,
    population,
    plan: planTraffic(scenario, population, products, prng, sampleAtStage(sampler, STAGE)),
  };
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

describe('shipped scenarios', () => {
  it('are all there and all valid', () => {
    expect(scenarioNames()).toEqual([
      'anonymous-outage',
      'checkout-down',
      'default',
      'flapping',
      'late-group',
      'quiet',
      'sampled-5pct',
      'short',
      'slow-dependency',
      'two-faults',
    ]);
    for (const name of scenarioNames()) expect(loadScenario(name, RULE_IDS).name).toBe(name);
  });

  it('plan the same shoppers, traffic, sampling and faults for the same seed, and another run for another', () => {
    const plans = (seed: number) => {
      const { population, plan } = build(seed);
      return { population, plan };
    };
    expect(plans(42)).toEqual(plans(42));
    const a = build(42);
    const b = build(43);
    expect(a.population.truth).not.toEqual(b.population.truth);
    expect(a.plan.requests).not.toEqual(b.plan.requests);
  });

  it('flapping: three 2-minute bursts, 3 minutes apart', () => {
    const { faults, startMs } = loadScenario('flapping', RULE_IDS);
    expect(
      faults[0]!.windows.map((w) => [(w.startMs - startMs) / MINUTE_MS, (w.endMs - startMs) / MINUTE_MS]),
    ).toEqual([
      [3, 5],
      [8, 10],
      [13, 15],
    ]);
  });

  it('late-group: the paging rule gets its group at minute 9', () => {
    const s = loadScenario('late-group', RULE_IDS);
    expect(s.groupsCreatedAt['registered-user-faults']).toBe(s.startMs + 9 * MINUTE_MS);
  });
});

describe('who a fault hits', () => {
  const { scenario, population, plan } = build(42, 'default');
  const { failing, slow } = population.truth;
  const shopperBySub = new Map(population.registered.map((s) => [s.user.sub, s.id]));
  const errors = scenario.faults.find((f) => f.name === 'cart-errors')!;

  it('draws disjoint sets of registered shoppers of the sizes asked for', () => {
    expect(failing).toHaveLength(5);
    expect(slow).toHaveLength(3);
    const all = [...failing, ...slow].map((u) => u.sub);
    expect(new Set(all).size).toBe(all.length);
  });

  it('with activity, breaks a cart write of every hit shopper in every fault minute, and nothing outside the windows', () => {
    for (let minute = errors.span.startMs; minute < errors.span.endMs; minute += MINUTE_MS) {
      for (const user of failing) {
        const broken = plan.requests.filter(
          (r) =>
            r.shopperId === shopperBySub.get(user.sub) &&
            r.fault === 'cart-errors' &&
            r.atMs >= minute &&
            r.atMs < minute + MINUTE_MS,
        );
        expect(broken.length, `${user.username} at ${new Date(minute).toISOString()}`).toBeGreaterThan(0);
      }
    }
    const outside = plan.requests.filter(
      (r) => r.fault !== undefined && (r.atMs < errors.span.startMs || r.atMs >= errors.span.endMs),
    );
    expect(outside).toEqual([]);
  });

  it('keeps slowed shoppers to single-call cart actions while the slowdown lasts', () => {
    const slowIds = new Set(slow.map((u) => shopperBySub.get(u.sub)));
    const during = plan.requests.filter(
      (r) => slowIds.has(r.shopperId) && r.atMs >= errors.span.startMs && r.atMs < errors.span.endMs,
    );
    expect(during.length).toBeGreaterThan(0);
    expect(
      during.every((r) =>
        ['product.list', 'product.get', 'cart.add', 'cart.list', 'cart.update'].includes(r.action),
      ),
    ).toBe(true);
  });

  it("has forgers claim hit users' subs under names nobody registered", () => {
    const failingSubs = new Set(failing.map((u) => u.sub));
    const names = new Set(population.registered.map((s) => s.user.username));
    for (const forger of population.forgers) {
      expect(failingSubs.has(forger.claims.sub)).toBe(true);
      expect(names.has(forger.claims.username)).toBe(false);
    }
  });

  it('never breaks a request that cannot reach DynamoDB (product reads, anonymous checkout)', () => {
    const { population: p, plan: anon } = build(5, 'anonymous-outage');
    const anonymousIds = new Set(p.anonymous.map((s) => s.id));
    const broken = anon.requests.filter((r) => r.fault !== undefined);
    expect(broken.length).toBeGreaterThan(0);
    expect(
      broken.every(
        (r) => anonymousIds.has(r.shopperId) && ['cart.add', 'cart.list', 'cart.update'].includes(r.action),
      ),
    ).toBe(true);
  });

  it('names 5,000 registered shoppers uniquely', () => {
    const { population: big } = build(1, 'sampled-5pct');
    const names = big.registered.map((s) => s.user.username);
    expect(new Set(names).size).toBe(5_000);
    expect(big.hits.get('cart-writes-fail')?.size).toBe(200);
  });
});

describe('sampling as the scenario sets it', () => {
  it("project: the rule set's cart rule traces every cart request", () => {
    const { plan } = build(42, 'default');
    const cart = plan.requests.filter((r) => r.action.startsWith('cart.'));
    expect(cart.length).toBeGreaterThan(500);
    expect(cart.every((r) => r.sampled)).toBe(true);
  });

  it('a 5 % rule with no reservoir traces about 5 % of requests', () => {
    const { plan } = build(42, 'sampled-5pct');
    const share = plan.requests.filter((r) => r.sampled).length / plan.requests.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
  });
});

describe('scenario files: errors name the file, the line, the path and what was expected', () => {
  const base = `description: test
minutes: 10
population: { registered: 10, anonymous: 5 }
traffic: { perMinute: 30 }
`;
  const problems = (text: string) => {
    try {
      parseScenario(text, 'local/scenarios/bad.yaml', RULE_IDS);
    } catch (error) {
      if (error instanceof ScenarioError) return error;
      throw error;
    }
    throw new Error('expected a ScenarioError');
  };

  it('a bad field: its path, line and column, and the type expected', () => {
    const error = problems(
      `${base}faults:\n  - name: x\n    who: { segment: registered, count: "three" }\n    what: { kind: errors }\n    when: { start: 1, minutes: 2 }\n`,
    );
    expect(error.message).toMatch(/^local\/scenarios\/bad\.yaml: 1 problem\n/);
    expect(error.issues[0]).toMatchObject({ path: ['faults', 0, 'who', 'count'], line: 7 });
    expect(error.message).toContain('faults[0].who.count (line 7, col');
    expect(error.message).toMatch(/expected number/i);
  });

  it('an unknown field, and every problem at once', () => {
    const error = problems(`${base}colour: blue\nsampling: sometimes\n`);
    expect(error.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['', 'sampling']));
    expect(error.message).toContain('unknown field(s) colour');
    expect(error.message).toContain('2 problems');
  });

  it('an unknown user segment', () => {
    const error = problems(
      `${base}faults:\n  - name: x\n    who: { segment: vip }\n    what: { kind: errors }\n    when: { start: 1, minutes: 2 }\n`,
    );
    expect(error.message).toContain(
      'faults[0].who.segment (line 7, col 21): unknown user segment "vip": expected one of registered, anonymous, forgers, everyone',
    );
  });

  it('overlapping faults that make no sense: one request, two injected faults', () => {
    const error = problems(`${base}faults:
  - name: all-fail
    who: { segment: registered }
    what: { kind: errors }
    when: { start: 1, minutes: 5 }
  - name: some-slow
    who: { segment: registered, count: 2 }
    where: { operations: [cart.add] }
    what: { kind: latency, ms: 3000 }
    when: { start: 4, minutes: 3 }
`);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ path: ['faults', 1], line: 10 });
    expect(error.message).toContain(
      `"some-slow" overlaps "all-fail" (faults[0]): both would hit every registered shopper's cart.add requests between minute 4 and 6`,
    );
  });

  it('faults that only look alike are fine: disjoint draws, other times, other operations', () => {
    const ok = `${base}faults:
  - { name: a, who: { segment: registered, count: 3 }, what: { kind: errors }, when: { start: 1, minutes: 5 } }
  - { name: b, who: { segment: registered, count: 3 }, what: { kind: latency, ms: 3000 }, when: { start: 1, minutes: 5 } }
  - { name: c, who: { segment: anonymous }, where: { operations: [cart.add] }, what: { kind: errors }, when: { start: 1, minutes: 2 } }
  - { name: d, who: { segment: anonymous }, where: { operations: [cart.list] }, what: { kind: errors }, when: { start: 1, minutes: 2 } }
  - { name: e, who: { segment: anonymous }, where: { operations: [cart.add] }, what: { kind: errors }, when: { start: 4, minutes: 2 } }
`;
    expect(parseScenario(ok, 'ok.yaml', RULE_IDS).faults.map((f) => f.name)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);
  });

  it('what the fields cannot say alone: a fault past the end, too many shoppers, an unreachable operation, an unknown rule', () => {
    const error = problems(`${base}groupsCreatedAt: { nope: 2 }
faults:
  - { name: late, who: { segment: registered, count: 20 }, what: { kind: errors }, when: { start: 8, minutes: 5 } }
  - { name: anon, who: { segment: anonymous }, where: { operations: [cart.checkout] }, what: { kind: errors }, when: { start: 1, minutes: 2 } }
`);
    const messages = error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'faults.0.when: ends at minute 13, after the run (10 minutes)',
        expect.stringMatching(/^faults\.0\.who\.count: needs 20 registered shoppers but only 10 are left/),
        expect.stringMatching(
          /^faults\.1\.where\.operations: anonymous shoppers never reach DynamoDB through cart\.checkout/,
        ),
        expect.stringMatching(/^groupsCreatedAt\.nope: no rule "nope" in the rule set/),
      ]),
    );
  });

  it('YAML that does not parse, with its line', () => {
    const error = problems('description: [unclosed\nminutes: 3\n');
    expect(error.message).toMatch(/\(line \d+, col \d+\): not valid YAML/);
  });

  it('loads a scenario from a path, as --scenario ./mine.yaml does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uia-scenario-'));
    const path = join(dir, 'mine.yaml');
    writeFileSync(
      path,
      `${base}faults:\n  - { name: x, who: { segment: registered, count: 2 }, what: { kind: errors }, when: { start: 1, minutes: 2 } }\n`,
    );
    try {
      const mine = loadScenario(path, RULE_IDS);
      expect(mine).toMatchObject({ name: 'mine', file: path, description: 'test' });
      expect(mine.faults.map((f) => f.name)).toEqual(['x']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a scenario that does not exist lists the shipped ones', () => {
    expect(() => loadScenario('nope', RULE_IDS)).toThrow(
      /cannot read it \(shipped scenarios: anonymous-outage, /,
    );
  });
});

describe('--duration', () => {
  it('sets the traffic length, and refuses to cut a fault', () => {
    const s = loadScenario('default', RULE_IDS);
    expect((withDuration(s, 30).endMs - s.startMs) / MINUTE_MS).toBe(30);
    expect(() => withDuration(s, 10)).toThrow(/ends before the scenario's last fault does \(minute 11\)/);
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
        '--timing-off',
        'xray-latency,slack-rate-limit',
        '--out',
        '/tmp/x',
        '--tracing',
        'otel',
        '--bundled',
        '--chaos',
        '5',
        '--plain',
      ]),
    ).toEqual({
      scenario: 'short',
      seed: 7,
      durationMinutes: 12,
      speed: 120,
      duplicates: 3,
      xrayThrottles: 10,
      timingOff: ['xray-latency', 'slack-rate-limit'],
      outDir: '/tmp/x',
      tracing: 'otel',
      bundled: true,
      chaos: 5,
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
      chaos: undefined,
      timingOff: [],
    });
    expect(parseRunArgs(['--timing', 'ideal']).timingOff).toHaveLength(9);
    expect(parseRunArgs(['--scenario', './mine.yaml']).scenario).toBe('./mine.yaml');
  });

  it.each([
    [['--seed', '1.5'], /--seed must be a whole number/],
    [['--duplicates', '0'], /--duplicates/],
    [['--speed', 'fast'], /--speed/],
    [['--timing', 'fast'], /--timing must be aws or ideal/],
    [['--timing-off', 'xray-latency,warp'], /--timing-off: unknown warp/],
    [['--bogus'], /Unknown option/],
    [['--tracing', 'jaeger'], /--tracing must be one of xray, otel, not "jaeger"/],
    [['--chaos', 'x'], /--chaos must be a whole number/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseRunArgs(argv)).toThrow(UsageError);
    expect(() => parseRunArgs(argv)).toThrow(message);
  });
});
