/**
 * The chaos plan of one seed: what the local AWS does to the notifier on top of AWS-like
 * timing, every draw keyed on the seed and a stable name (an event's place in emission order,
 * its copy, the try), never on the order in which things happen to run. So a seed names a plan:
 * the same seed reorders, duplicates, kills and rate-limits the same things. (Which of two
 * concurrent invocations gets to a claim first still depends on the machine.)
 *
 * | what                     | how (constants below)                                                |
 * |--------------------------|----------------------------------------------------------------------|
 * | reordering               | each copy of an event reaches the notifier after a delay in          |
 * |                          | [0, REORDER_WINDOW_MS], in DELAY_STEP_MS steps (P_DELAYED of copies)  |
 * | duplicates               | P_DUPLICATED of events get 1–2 extra copies (same event id)          |
 * | concurrency              | a copy shares its first copy's delay with P_SAME_INSTANT; copies of   |
 * |                          | any events due at one instant are delivered together, at once        |
 * | kills                    | P_KILL of the first and of the second try of each invocation die, at  |
 * |                          | a probe point drawn by KILL_POINT_WEIGHTS (`claimed` and `accepted`:  |
 * |                          | the 1st–3rd time, so the root, the email, a reply or an event)        |
 * | retries                  | Lambda's: about 1 min, then 2 min after a failure (the runner)        |
 * | Slack 429s               | 1–3 bursts between the first fault and 6 min after the last: short    |
 * |                          | (Retry-After 1 s, waited out in the invocation), long (30–120 s:      |
 * |                          | deferred), or sustained (10 min of Retry-After 60 s)                 |
 *
 * Bounds that keep a run inside what the notifier promises (README, "How the notifier behaves
 * in AWS"): the reorder window plus both retries (4 + 3 min) stays inside the 15-minute reopen
 * window that event-time decisions are guaranteed for; the third try of an invocation (and a
 * deferred record from its third receive on) is never killed, because three failures in a row
 * make a dead letter, which is the operator's to replay (`npm run dlq`), not a page the chaos
 * run may count as lost. Slack bursts: a Retry-After the notifier waits out inside the
 * invocation costs wall time here (the notifier's sleeps are real), so short bursts ask for
 * 1 s and longer ones for more than an invocation can wait (deferred, virtual time).
 */
import type { BusEvent, DeliveryPlan } from '../event-bus';
import type { CrashPlan, CrashPoint, CrashPolicy, InvocationInfo } from '../lambda/kill-switch';
import { createPrng, type Prng } from '../scenario/prng';

export const REORDER_WINDOW_MS = 4 * 60_000;
export const DELAY_STEP_MS = 20_000;
export const P_DELAYED = 0.7;
export const P_DUPLICATED = 0.4;
export const P_SAME_INSTANT = 0.5;
export const P_KILL = 0.4;
/** Tries (or SQS receives) after which nothing is killed. */
export const LAST_KILLED_TRY = 2;
export const KILL_POINT_WEIGHTS: Readonly<Record<CrashPoint, number>> = {
  decided: 1,
  claimed: 2,
  accepted: 2,
  recorded: 1,
  returning: 1,
};

export interface SlackBurst {
  kind: 'short' | 'long' | 'sustained';
  startMs: number;
  endMs: number;
  retryAfterSeconds: number;
}

export interface ChaosPlan {
  seed: number;
  /** The bus's delivery plan for targets named in `targets`, on `schedule` (virtual time). */
  delivery(schedule: DeliveryPlan['schedule'], targets: readonly string[]): DeliveryPlan;
  /** The key an invocation of the `n`-th delivery (1-based) of `event` gets. */
  deliveryKey(event: BusEvent, n: number): string;
  /** The key of a deferred record's invocation (its original event and deferral attempt). */
  deferredKey(eventId: string, deferral: number): string;
  /** Where invocations of `functionName` die. */
  crashes(functionName: string): CrashPolicy;
  slackBursts(span: { firstFaultMs: number; lastFaultEndMs: number }): SlackBurst[];
  /** Emission order of an event the plan delivered (0-based). */
  sequence(eventId: string): number | undefined;
}

/**
 * Parts of a plan turned off or fixed, for a test that needs one kind of chaos alone (a
 * sustained Slack 429 with events in order and nothing killed, say).
 */
export interface ChaosPlanOverrides {
  /** false: every event delivered once, at once. */
  reorder?: boolean;
  /** false: no invocation killed; a function: where each invocation dies instead of the seed's. */
  kills?: boolean | ((invocation: InvocationInfo) => CrashPlan | undefined);
  /** The Slack bursts instead of the seed's. */
  slackBursts?: (span: { firstFaultMs: number; lastFaultEndMs: number }) => SlackBurst[];
}

export function createChaosPlan(seed: number, overrides: ChaosPlanOverrides = {}): ChaosPlan {
  const sequence = new Map<string, number>();
  const draw = (key: string): Prng => createPrng(mix(seed, key));

  function delays(event: BusEvent, target: string): number[] {
    let seq = sequence.get(event.id);
    if (seq === undefined) {
      seq = sequence.size;
      sequence.set(event.id, seq);
    }
    if (overrides.reorder === false) return [0];
    const prng = draw(`bus|${seq}|${target}`);
    const delay = () =>
      prng.chance(P_DELAYED) ? prng.int(0, REORDER_WINDOW_MS / DELAY_STEP_MS) * DELAY_STEP_MS : 0;
    const first = delay();
    const extra = prng.chance(P_DUPLICATED) ? prng.int(1, 2) : 0;
    return [first, ...Array.from({ length: extra }, () => (prng.chance(P_SAME_INSTANT) ? first : delay()))];
  }

  return {
    seed,
    delivery: (schedule, targets) => ({
      delays: (event, target) => (targets.includes(target) ? delays(event, target) : [0]),
      schedule,
    }),
    deliveryKey: (event, n) => `e${sequence.get(event.id) ?? event.id}.c${n}`,
    deferredKey: (eventId, deferral) => `e${sequence.get(eventId) ?? eventId}.d${deferral}`,
    crashes: (functionName) => ({
      plan: (invocation) => {
        if (invocation.fn !== functionName || overrides.kills === false) return undefined;
        if (typeof overrides.kills === 'function') return overrides.kills(invocation);
        return crashPlan(draw(`kill|${invocation.key}|${tryOf(invocation)}`), invocation);
      },
    }),
    slackBursts: ({ firstFaultMs, lastFaultEndMs }) => {
      if (overrides.slackBursts) return overrides.slackBursts({ firstFaultMs, lastFaultEndMs });
      const prng = draw('slack');
      const from = firstFaultMs;
      const to = lastFaultEndMs + 6 * 60_000;
      return Array.from({ length: prng.int(1, 3) }, (): SlackBurst => {
        const kind = prng.weighted({ short: 5, long: 4, sustained: 1 });
        const startMs = from + Math.floor(prng.next() * (to - from));
        if (kind === 'short') {
          return { kind, startMs, endMs: startMs + prng.int(2, 5) * 1000, retryAfterSeconds: 1 };
        }
        if (kind === 'long') {
          const seconds = prng.int(2, 8) * 15;
          return { kind, startMs, endMs: startMs + seconds * 1000, retryAfterSeconds: seconds };
        }
        return { kind, startMs, endMs: startMs + 10 * 60_000, retryAfterSeconds: 60 };
      }).sort((a, b) => a.startMs - b.startMs);
    },
    sequence: (eventId) => sequence.get(eventId),
  };
}

/** The try an invocation is: Lambda's attempt, or for a deferred batch its SQS receive count. */
function tryOf(invocation: InvocationInfo): number {
  return Math.max(invocation.attempt, receiveCount(invocation.event) ?? 0);
}

function receiveCount(event: unknown): number | undefined {
  const records = (event as { Records?: Array<{ attributes?: { ApproximateReceiveCount?: string } }> })
    ?.Records;
  const count = Number(records?.[0]?.attributes?.ApproximateReceiveCount);
  return Number.isFinite(count) && count > 0 ? count : undefined;
}

function crashPlan(prng: Prng, invocation: InvocationInfo): CrashPlan | undefined {
  if (tryOf(invocation) > LAST_KILLED_TRY || !prng.chance(P_KILL)) return undefined;
  const point = prng.weighted(KILL_POINT_WEIGHTS);
  const occurrence = point === 'claimed' || point === 'accepted' ? prng.int(1, 3) : 1;
  return { point, occurrence };
}

/** FNV-1a of the key, mixed with the seed: one independent stream per (seed, key). */
function mix(seed: number, key: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
