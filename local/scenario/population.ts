/**
 * Who shops: registered shoppers (Cognito users with real, signed tokens), anonymous shoppers,
 * and forgers whose tokens must never verify. Which shoppers each fault hits is drawn here, from
 * the seed, before any traffic: `count` and `share` draw without replacement (skipping shoppers
 * an earlier fault drew or any fault names), `users` names them, and neither means the whole
 * segment.
 *
 * Forgers impersonate a hit registered user's `sub` (the first fault's, else anyone's) under a
 * name of their own. Should the shop ever trust a forged token, that name would land on a
 * faulted trace and so on the page, and the precision check would catch it.
 */
import type { LocalUser } from '../identity';
import type { ShopperKind } from './actions';
import type { Prng } from './prng';
import type { Fault, Scenario } from './scenario';
import { drawnCount } from './semantics';

export const FORGERIES = [
  'wrongKey',
  'expired',
  'wrongAudience',
  'otherPool',
  'algNone',
  'algConfusion',
] as const;
export type Forgery = (typeof FORGERIES)[number];

export interface RegisteredShopper {
  kind: 'registered';
  id: string;
  user: LocalUser;
}

export interface AnonymousShopper {
  kind: 'anonymous';
  id: string;
}

export interface Forger {
  kind: 'forger';
  id: string;
  /** What the forged tokens claim: a failing user's `sub`, a username nobody has. */
  claims: LocalUser;
}

export type Shopper = RegisteredShopper | AnonymousShopper | Forger;

/**
 * The registered shoppers the faults selected, by effect: failing (errors, throttling) and
 * slow (latency). Who was actually hit is the plan's business (ground truth, from the plan).
 */
export interface Selected {
  failing: LocalUser[];
  slow: LocalUser[];
}

export interface Population {
  registered: RegisteredShopper[];
  anonymous: AnonymousShopper[];
  forgers: Forger[];
  /** Fault name → ids of the shoppers it hits. */
  hits: ReadonlyMap<string, ReadonlySet<string>>;
  truth: Selected;
}

const FIRST = [
  'amara',
  'ben',
  'chloe',
  'dmitri',
  'elena',
  'farid',
  'grace',
  'hiro',
  'ines',
  'jonas',
  'kemi',
  'luca',
  'maya',
  'nils',
  'olga',
  'pavel',
  'quinn',
  'rosa',
  'sami',
  'tara',
  'umar',
  'vera',
  'wen',
  'yusuf',
];
const LAST = [
  'adams',
  'berg',
  'costa',
  'diallo',
  'evans',
  'fischer',
  'garcia',
  'hughes',
  'ito',
  'jensen',
  'kowalski',
  'lopez',
  'moreau',
  'nakamura',
  'okafor',
  'patel',
  'rossi',
  'silva',
  'tanaka',
  'ucar',
  'varga',
  'wong',
];

export function createPopulation(scenario: Scenario, prng: Prng): Population {
  const { population } = scenario;
  const names = uniqueNames(population.registered, prng);
  const registered: RegisteredShopper[] = names.map((username, i) => ({
    kind: 'registered',
    id: `registered-${i + 1}`,
    user: { sub: prng.uuid(), username, email: `${username}@example.com` },
  }));
  const anonymous: AnonymousShopper[] = Array.from({ length: population.anonymous }, (_, i) => ({
    kind: 'anonymous',
    id: `anonymous-${i + 1}`,
  }));
  const hits = selectHits(
    scenario.faults,
    { registered, anonymous, forger: forgerIds(population.forgers) },
    prng,
  );
  const userOf = new Map(registered.map((s) => [s.id, s.user]));
  const selected = (test: (f: Fault) => boolean) =>
    scenario.faults
      .filter(test)
      .flatMap((f) => [...(hits.get(f.name) ?? [])].flatMap((id) => userOf.get(id) ?? []));
  const failing = selected((f) => f.what.kind !== 'latency');
  const victims = failing.length > 0 ? failing : registered.map((s) => s.user);
  const forgers: Forger[] = Array.from({ length: population.forgers }, (_, i) => {
    const victim = victims[i % victims.length] ?? prng.pick(registered).user;
    return {
      kind: 'forger',
      id: `forger-${i + 1}`,
      claims: { sub: victim.sub, username: `impostor-${i + 1}` },
    };
  });
  return {
    registered,
    anonymous,
    forgers,
    hits,
    truth: { failing, slow: selected((f) => f.what.kind === 'latency') },
  };
}

function forgerIds(count: number): { id: string }[] {
  return Array.from({ length: count }, (_, i) => ({ id: `forger-${i + 1}` }));
}

const SEGMENT_KINDS: Record<Fault['who']['segment'], ShopperKind[]> = {
  registered: ['registered'],
  anonymous: ['anonymous'],
  forgers: ['forger'],
  everyone: ['registered', 'anonymous', 'forger'],
};

function selectHits(
  faults: readonly Fault[],
  shoppers: Record<ShopperKind, readonly { id: string }[]>,
  prng: Prng,
): Map<string, Set<string>> {
  const named = new Set(faults.flatMap((f) => f.who.users ?? []));
  const taken = new Set(named);
  const hits = new Map<string, Set<string>>();
  for (const fault of faults) {
    const kinds = SEGMENT_KINDS[fault.who.segment];
    const pool = kinds.flatMap((k) => shoppers[k].map((s) => s.id));
    let ids: string[];
    if (fault.who.users) ids = fault.who.users;
    else if (fault.who.count === undefined && fault.who.share === undefined) ids = pool;
    else {
      const wanted = fault.who.count ?? drawnCount(fault.who.share!, pool.length);
      // Validation guarantees there are enough left; slice keeps a bad caller from looping.
      ids = prng.shuffle(pool.filter((id) => !taken.has(id))).slice(0, wanted);
    }
    for (const id of ids) if (fault.who.count !== undefined || fault.who.share !== undefined) taken.add(id);
    hits.set(fault.name, new Set(ids));
  }
  return hits;
}

/**
 * `first.last` while they last (528 pairs), then `first.last2`, `first.last3`, …: a big shop has
 * namesakes too. Drawn in a random order so the first shoppers are not all "amara".
 */
function uniqueNames(count: number, prng: Prng): string[] {
  const pairs = FIRST.length * LAST.length;
  const names = new Set<string>();
  if (count <= pairs / 2) {
    while (names.size < count) names.add(`${prng.pick(FIRST)}.${prng.pick(LAST)}`);
    return [...names];
  }
  const all = prng.shuffle(FIRST.flatMap((f) => LAST.map((l) => `${f}.${l}`)));
  for (let i = 0; names.size < count; i++) {
    const round = Math.floor(i / pairs);
    names.add(`${all[i % pairs]!}${round === 0 ? '' : round + 1}`);
  }
  return [...names];
}
