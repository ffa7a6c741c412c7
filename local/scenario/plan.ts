/**
 * The traffic plan: every request of the run, with its virtual time, shopper and action, whether
 * X-Ray traces it and which fault (if any) breaks it, all decided up front from the seed, so a
 * run can be replayed and its ground truth stated before it starts (ground-truth.ts).
 *
 * - Background traffic: the scenario's requests per minute (± jitter), each from a random
 *   shopper (registered 6 : anonymous 3 : forger 1, among the kinds present) doing a random
 *   action for their kind.
 * - Faults: a request is broken by a fault when its shopper is one the fault hits, its action is
 *   one of the fault's operations and reaches DynamoDB, it falls in an on-window, and a draw
 *   under the fault's intensity (probability, ramp) says so.
 * - `activity`: on top, each hit shopper makes that many requests a minute to the fault's first
 *   operation while it is on, early in the minute so even a slowed request starts well before
 *   the minute ends. That is what makes every hit shopper affected in every minute.
 * - While a latency fault hits a shopper, their multi-call actions (checkout, migrate) become a
 *   cart read: at several seconds per DynamoDB call a checkout would outlive the function's 5 s
 *   timeout, and a timeout is a failure, not a slow response.
 * - Sampling: decided per request in time order by the sampler the caller passes.
 */
import { reachesDynamo, SINGLE_CALL_ACTIONS, type ShopAction, type ShopperKind } from './actions';
import type { Population, Shopper } from './population';
import { FORGERIES, type Forgery } from './population';
import type { Prng } from './prng';
import { faultIntensity, MINUTE_MS, type Fault, type Scenario } from './scenario';

export { MINUTE_MS } from './scenario';
export { SHOP_ACTIONS, type ShopAction } from './actions';

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
  /** Name of the fault that breaks this request's DynamoDB calls. */
  fault?: string;
  /** One of a hit shopper's `activity` requests. */
  activity?: boolean;
  /** Whether X-Ray traces it (the sampling decision made where the trace starts). */
  sampled: boolean;
}

export interface TrafficPlan {
  startMs: number;
  endMs: number;
  faults: readonly Fault[];
  requests: PlannedRequest[];
}

/** Decides whether X-Ray traces a request (see local/xray/sampler.ts). */
export type SampleDecision = (request: PlannedRequest) => boolean;

const WEIGHTS: Record<ShopperKind, Partial<Record<ShopAction, number>>> = {
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

const SHOPPER_MIX: Record<ShopperKind, number> = { registered: 6, anonymous: 3, forger: 1 };

export function planTraffic(
  scenario: Scenario,
  population: Population,
  productIds: readonly string[],
  prng: Prng,
  sample: SampleDecision,
): TrafficPlan {
  const { startMs, endMs, faults } = scenario;
  const byKind: Record<ShopperKind, Shopper[]> = {
    registered: population.registered,
    anonymous: population.anonymous,
    forger: population.forgers,
  };
  const mix = Object.fromEntries(
    Object.entries(SHOPPER_MIX).filter(([kind]) => byKind[kind as ShopperKind].length > 0),
  ) as Record<ShopperKind, number>;
  const shopperById = new Map(
    [...population.registered, ...population.anonymous, ...population.forgers].map((s) => [s.id, s]),
  );
  const hitBy = (shopperId: string) => faults.filter((f) => population.hits.get(f.name)?.has(shopperId));

  const requests: Omit<PlannedRequest, 'sampled'>[] = [];
  const product = () => prng.pick(productIds);
  const make = (atMs: number, shopper: Shopper, action: ShopAction): Omit<PlannedRequest, 'sampled'> => {
    const request: Omit<PlannedRequest, 'sampled'> = { atMs, shopperId: shopper.id, action };
    if (action === 'cart.add') Object.assign(request, { productId: product(), quantity: prng.int(1, 3) });
    if (action === 'cart.update') Object.assign(request, { productId: product(), quantity: prng.int(0, 4) });
    if (action === 'product.get') request.productId = product();
    if (shopper.kind === 'forger') request.forgery = prng.pick(FORGERIES);
    return request;
  };
  const breakIfHit = (request: Omit<PlannedRequest, 'sampled'>, shopper: Shopper): void => {
    for (const fault of hitBy(shopper.id)) {
      if (!fault.operations.includes(request.action) || !reachesDynamo(shopper.kind, request.action))
        continue;
      const intensity = faultIntensity(fault, request.atMs);
      if (intensity > 0 && prng.chance(intensity)) {
        request.fault = fault.name;
        return;
      }
    }
  };

  for (let minute = startMs; minute < endMs; minute += MINUTE_MS) {
    if (Object.keys(mix).length > 0) {
      const rate = scenario.traffic.perMinuteAt(minute);
      const jitter = scenario.traffic.jitter;
      const count = Math.max(0, Math.round(rate * (1 - jitter + 2 * jitter * prng.next())));
      for (let i = 0; i < count; i++) {
        const shopper = prng.pick(byKind[prng.weighted(mix)]);
        const atMs = minute + Math.floor(prng.next() * MINUTE_MS);
        let action = prng.weighted(WEIGHTS[shopper.kind] as Record<ShopAction, number>);
        if (!SINGLE_CALL_ACTIONS.has(action) && slowedAt(hitBy(shopper.id), atMs)) action = 'cart.list';
        const request = make(atMs, shopper, action);
        breakIfHit(request, shopper);
        requests.push(request);
      }
    }
    for (const fault of faults) {
      if (fault.activity === 0) continue;
      const on = onPart(fault, minute);
      if (!on) continue;
      for (const id of population.hits.get(fault.name) ?? []) {
        const shopper = shopperById.get(id)!;
        const action = fault.operations.find(
          (op) => reachesDynamo(shopper.kind, op) && SINGLE_CALL_ACTIONS.has(op),
        );
        if (!action) continue;
        for (let k = 0; k < fault.activity; k++) {
          const request = make(
            on.startMs + Math.floor(prng.next() * 0.75 * (on.endMs - on.startMs)),
            shopper,
            action,
          );
          request.activity = true;
          breakIfHit(request, shopper);
          requests.push(request);
        }
      }
    }
  }
  requests.sort((a, b) => a.atMs - b.atMs || a.shopperId.localeCompare(b.shopperId));
  return {
    startMs,
    endMs,
    faults,
    requests: requests.map((r) => ({ ...r, sampled: sample({ ...r, sampled: false }) })),
  };
}

/** The part of `minute` in which `fault` is on, if any (the first on-window that overlaps it). */
function onPart(fault: Fault, minute: number): { startMs: number; endMs: number } | undefined {
  for (const w of fault.windows) {
    const startMs = Math.max(minute, w.startMs);
    const endMs = Math.min(minute + MINUTE_MS, w.endMs);
    if (startMs < endMs) return { startMs, endMs };
  }
  return undefined;
}

function slowedAt(faults: readonly Fault[], atMs: number): boolean {
  return faults.some((f) => f.what.kind === 'latency' && faultIntensity(f, atMs) > 0);
}
