/**
 * The traffic plan: every request of the run, with its virtual time, shopper and action, decided
 * up front from the seed so a run can be replayed and its ground truth stated before it starts.
 *
 * Background traffic is random (rate, timing, who, what). On top of it, in every fault minute,
 * each injected user makes one cart write: so every failing user faults and every slowed user
 * waits in each minute the alarms evaluate, and the ground truth is exactly the injected
 * subsets rather than "whoever happened to shop". Slowed users do only single-call cart actions
 * during the fault, because a multi-call checkout at 3.5 s a call would outlive the function's
 * 5 s timeout and turn a slow user into a failing one.
 */
import type { Population, Shopper, Forgery } from './population';
import { FORGERIES } from './population';
import type { Prng } from './prng';
import { totalMinutes, type Scenario } from './presets';

export const MINUTE_MS = 60_000;

export const SHOP_ACTIONS = [
  'product.list',
  'product.get',
  'cart.add',
  'cart.list',
  'cart.update',
  'cart.checkout',
  'cart.migrate',
] as const;
export type ShopAction = (typeof SHOP_ACTIONS)[number];

export type PhaseName = 'normal' | 'fault' | 'recovery';

export interface PhaseWindow {
  name: PhaseName;
  /** Epoch ms, inclusive. */
  startMs: number;
  /** Epoch ms, exclusive. */
  endMs: number;
}

export interface PlannedRequest {
  /** Epoch ms (virtual). */
  atMs: number;
  shopperId: string;
  action: ShopAction;
  /** Products the action names (add, update, get). */
  productId?: string;
  quantity?: number;
  /** Forgers only: which forgery this request carries. */
  forgery?: Forgery;
  /** One of the injected users' guaranteed fault-minute requests. */
  injected?: boolean;
}

export interface TrafficPlan {
  startMs: number;
  endMs: number;
  phases: PhaseWindow[];
  requests: PlannedRequest[];
}

const WEIGHTS: Record<Shopper['kind'], Partial<Record<ShopAction, number>>> = {
  registered: {
    'product.list': 14,
    'product.get': 14,
    'cart.add': 34,
    'cart.list': 20,
    'cart.update': 10,
    'cart.checkout': 6,
    'cart.migrate': 2,
  },
  // A checkout attempt without signing in is a realistic 401.
  anonymous: {
    'product.list': 20,
    'product.get': 20,
    'cart.add': 34,
    'cart.list': 20,
    'cart.update': 4,
    'cart.checkout': 2,
  },
  forger: { 'cart.list': 50, 'cart.add': 50 },
};

const SHOPPER_MIX: Record<Shopper['kind'], number> = { registered: 6, anonymous: 3, forger: 1 };
const SINGLE_CALL_ACTIONS: ReadonlySet<ShopAction> = new Set(['cart.add', 'cart.list', 'cart.update']);

export function phaseWindows(scenario: Scenario): PhaseWindow[] {
  const start = scenario.start.getTime();
  const { normal, fault } = scenario.phases;
  const end = start + totalMinutes(scenario.phases) * MINUTE_MS;
  return [
    { name: 'normal', startMs: start, endMs: start + normal * MINUTE_MS },
    { name: 'fault', startMs: start + normal * MINUTE_MS, endMs: start + (normal + fault) * MINUTE_MS },
    { name: 'recovery', startMs: start + (normal + fault) * MINUTE_MS, endMs: end },
  ];
}

export function phaseAt(phases: readonly PhaseWindow[], atMs: number): PhaseName {
  return phases.find((p) => atMs >= p.startMs && atMs < p.endMs)?.name ?? 'recovery';
}

export function planTraffic(
  scenario: Scenario,
  population: Population,
  productIds: readonly string[],
  prng: Prng,
): TrafficPlan {
  const phases = phaseWindows(scenario);
  const startMs = scenario.start.getTime();
  const endMs = startMs + totalMinutes(scenario.phases) * MINUTE_MS;
  const byKind: Record<Shopper['kind'], Shopper[]> = {
    registered: population.registered,
    anonymous: population.anonymous,
    forger: population.forgers,
  };
  const slowSubs = new Set(population.truth.slow.map((u) => u.sub));
  const subOf = new Map(population.registered.map((s) => [s.id, s.user.sub]));
  const injectedIds = population.registered
    .filter((s) => [...population.truth.failing, ...population.truth.slow].some((u) => u.sub === s.user.sub))
    .map((s) => s.id);
  const mix = Object.fromEntries(
    Object.entries(SHOPPER_MIX).filter(([kind]) => byKind[kind as Shopper['kind']].length > 0),
  ) as Record<Shopper['kind'], number>;

  const requests: PlannedRequest[] = [];
  const product = () => prng.pick(productIds);
  const make = (atMs: number, shopper: Shopper, action: ShopAction, injected = false): PlannedRequest => {
    const request: PlannedRequest = { atMs, shopperId: shopper.id, action };
    if (action === 'cart.add') Object.assign(request, { productId: product(), quantity: prng.int(1, 3) });
    if (action === 'cart.update') Object.assign(request, { productId: product(), quantity: prng.int(0, 4) });
    if (action === 'product.get') request.productId = product();
    if (shopper.kind === 'forger') request.forgery = prng.pick(FORGERIES);
    if (injected) request.injected = true;
    return request;
  };

  for (let minute = startMs; minute < endMs; minute += MINUTE_MS) {
    const inFault = phaseAt(phases, minute) === 'fault';
    const count = Math.max(1, Math.round(scenario.requestsPerMinute * (0.8 + 0.4 * prng.next())));
    for (let i = 0; i < count; i++) {
      const shopper = prng.pick(byKind[prng.weighted(mix)]);
      let action = prng.weighted(WEIGHTS[shopper.kind] as Record<ShopAction, number>);
      const sub = subOf.get(shopper.id);
      if (inFault && sub !== undefined && slowSubs.has(sub) && !SINGLE_CALL_ACTIONS.has(action))
        action = 'cart.list';
      requests.push(make(minute + Math.floor(prng.next() * MINUTE_MS), shopper, action));
    }
    if (!inFault) continue;
    for (const id of injectedIds) {
      const shopper = population.registered.find((s) => s.id === id);
      // Early in the minute, so even a slowed request has started well before the boundary.
      if (shopper) requests.push(make(minute + Math.floor(prng.next() * 45_000), shopper, 'cart.add', true));
    }
  }
  requests.sort((a, b) => a.atMs - b.atMs || a.shopperId.localeCompare(b.shopperId));
  return { startMs, endMs, phases, requests };
}
