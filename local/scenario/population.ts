/**
 * Who shops: registered shoppers (Cognito users with real, signed tokens), anonymous shoppers,
 * and forgers whose tokens must never verify. The subsets of registered shoppers the fault
 * hits are chosen here, from the seed: they are the run's ground truth.
 *
 * Forgers impersonate a *failing* user's `sub` under a name of their own. Should the shop ever
 * trust a forged token, that name would land on a faulted trace and so on the page, and the
 * precision check would catch it.
 */
import type { LocalUser } from '../identity';
import type { Prng } from './prng';
import type { Scenario } from './presets';

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

/** The injected subsets: what the pages should report, user for user. */
export interface GroundTruth {
  failing: LocalUser[];
  slow: LocalUser[];
}

export interface Population {
  registered: RegisteredShopper[];
  anonymous: AnonymousShopper[];
  forgers: Forger[];
  truth: GroundTruth;
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
  const { shoppers, injected } = scenario;
  if (injected.failing + injected.slow > shoppers.registered) {
    throw new RangeError('more injected users than registered shoppers');
  }
  const names = uniqueNames(shoppers.registered, prng);
  const registered: RegisteredShopper[] = names.map((username, i) => ({
    kind: 'registered',
    id: `registered-${i + 1}`,
    user: { sub: prng.uuid(), username, email: `${username}@example.com` },
  }));
  const hit = prng.shuffle(registered).map((s) => s.user);
  const failing = hit.slice(0, injected.failing);
  const slow = hit.slice(injected.failing, injected.failing + injected.slow);
  const anonymous: AnonymousShopper[] = Array.from({ length: shoppers.anonymous }, (_, i) => ({
    kind: 'anonymous',
    id: `anonymous-${i + 1}`,
  }));
  const forgers: Forger[] = Array.from({ length: shoppers.forgers }, (_, i) => {
    const victim = failing[i % Math.max(1, failing.length)] ?? prng.pick(registered).user;
    return {
      kind: 'forger',
      id: `forger-${i + 1}`,
      claims: { sub: victim.sub, username: `impostor-${i + 1}` },
    };
  });
  return { registered, anonymous, forgers, truth: { failing, slow } };
}

function uniqueNames(count: number, prng: Prng): string[] {
  if (count > FIRST.length * LAST.length)
    throw new RangeError(`at most ${FIRST.length * LAST.length} registered shoppers`);
  const names = new Set<string>();
  while (names.size < count) names.add(`${prng.pick(FIRST)}.${prng.pick(LAST)}`);
  return [...names];
}
