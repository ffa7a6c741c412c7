/**
 * Killing an invocation the way Lambda's timeout does: the runtime stops, and nothing the
 * function would still have done reaches anyone. Used by the Lambda runner for its crash plan
 * (local/chaos/plan.ts decides where each invocation dies).
 *
 * How a kill is made to really stop the invocation's effects:
 *
 * | what                                   | how                                                      |
 * |----------------------------------------|----------------------------------------------------------|
 * | which code belongs to the invocation   | it runs in its own `AsyncLocalStorage` scope, which every |
 * |                                        | continuation inherits (awaits, timers, socket callbacks) |
 * | the runner stops waiting               | the invocation is reported failed at once (Lambda: "Task |
 * |                                        | timed out"), and its promise is abandoned                |
 * | its later calls fail                   | every HTTP request its scope creates after the kill is   |
 * |                                        | destroyed before a byte is sent (node:http's             |
 * |                                        | `http.client.request.created` diagnostics channel, which |
 * |                                        | the AWS SDK's NodeHttpHandler and Slack's axios both go  |
 * |                                        | through)                                                 |
 * | the line of work that hit the probe    | a crash probe (functions/notifier/ports.ts) never        |
 * |                                        | resolves in a killed scope: nothing after it runs, not   |
 * |                                        | even cleanup                                             |
 * | requests already on the wire           | carried out by the stand-in that received them, as a     |
 * |                                        | service carries out a request a dying client sent whole; |
 * |                                        | the kill waits (at most SETTLE_MS of wall time) until    |
 * |                                        | they are answered, then destroys what is left, so        |
 * |                                        | nothing the dead invocation sent lands after its retry   |
 * |                                        | began                                                    |
 * | what it writes to stdout/stderr        | dropped (output.ts)                                      |
 *
 * What the dead code still reaches after its kill (an answer it was waiting for arrived, and it
 * got as far as the next probe) is recorded on the kill (`after`): a page email SNS accepted
 * just before the kill shows up there as `accepted`, which is what explains a second email.
 *
 * Not covered, and why that is safe here: `fetch` (undici) bypasses node:http, but nothing the
 * functions run uses it for the notifier's calls; the module's in-memory state (the notifier's
 * Slack token and channel-id caches) survives, where Lambda would start a fresh sandbox: both
 * are caches of values that do not change during a run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CRASH_PROBE_HOOK, type Probe, type ProbePoint } from '../../functions/notifier/ports';

/** The notifier's probe points, and `returning`: the handler finished, Lambda never heard. */
export type CrashPoint = ProbePoint | 'returning';
export const CRASH_POINTS: readonly CrashPoint[] = [
  'decided',
  'claimed',
  'accepted',
  'recorded',
  'returning',
];

/** Where one invocation dies: the `occurrence`-th time it reaches `point` (1 = the first). */
export interface CrashPlan {
  point: CrashPoint;
  occurrence: number;
  /** Count only probes of this delivery channel (e.g. the page email's); any channel if absent. */
  channel?: string;
}

export interface InvocationInfo {
  fn: string;
  requestId: string;
  /** 1 for the first try; Lambda's async retries count on. */
  attempt: number;
  /** The caller's name for what is being invoked (the chaos plan keys its draws on it). */
  key: string | undefined;
  event: unknown;
}

export interface CrashPolicy {
  /** Decided as the invocation starts; undefined: it lives. */
  plan(invocation: InvocationInfo): CrashPlan | undefined;
}

export type ProbeDetail = Parameters<Probe>[1];

export interface KillRecord {
  fn: string;
  requestId: string;
  attempt: number;
  key: string | undefined;
  point: CrashPoint;
  detail: ProbeDetail;
  /** Virtual epoch ms of the kill. */
  atMs: number;
  /** HTTP requests on the wire at the kill. */
  inFlight: number;
  /** Requests the dead code tried to make afterwards (all destroyed). */
  refused: number;
  /** Probe points the dead code still reached (answers that arrived after the kill). */
  after: Array<{ point: ProbePoint; detail: ProbeDetail }>;
}

/** What the runner sees instead of a result: the invocation was killed. */
export class InvocationKilled extends Error {
  override readonly name = 'InvocationKilled';
  constructor(readonly record: KillRecord) {
    super(`RequestId: ${record.requestId} Error: Task timed out (killed at ${describePoint(record)})`);
  }
}

export function describePoint(record: Pick<KillRecord, 'point' | 'detail'>): string {
  const channel = record.detail.channel ? ` ${record.detail.channel}` : '';
  return `${record.point}${channel}`;
}

/** Longest wall time a kill waits for the dead invocation's requests already on the wire. */
export const SETTLE_MS = 2_000;

interface Scope {
  info: InvocationInfo;
  plan: CrashPlan | undefined;
  seen: Map<string, number>;
  killed: KillRecord | undefined;
  inFlight: Set<ClientRequest>;
  onKill: (record: KillRecord) => void;
}

const storage = new AsyncLocalStorage<Scope>();
const NEVER = new Promise<never>(() => undefined);

export type Outcome<T> = { value: T } | { killed: KillRecord };

export interface KillSwitch {
  /** Runs `work` as one invocation's code, killed where `policy` says. */
  run<T>(info: InvocationInfo, work: () => Promise<T>): Promise<Outcome<T>>;
  /** Whether the code calling this runs in a killed invocation (its output is dropped). */
  inKilledScope(): boolean;
  /** The function whose invocation the calling code belongs to, if any. */
  currentFunction(): string | undefined;
  kills(): KillRecord[];
  /** Removes the crash probe hook (requests of killed scopes stay refused). */
  close(): void;
}

export function createKillSwitch(options: { policy: CrashPolicy; now: () => number }): KillSwitch {
  const kills: KillRecord[] = [];
  guardRequests();

  function kill(scope: Scope, point: CrashPoint, detail: ProbeDetail): KillRecord {
    const record: KillRecord = {
      fn: scope.info.fn,
      requestId: scope.info.requestId,
      attempt: scope.info.attempt,
      key: scope.info.key,
      point,
      detail,
      atMs: options.now(),
      inFlight: scope.inFlight.size,
      refused: 0,
      after: [],
    };
    scope.killed = record;
    kills.push(record);
    scope.onKill(record);
    return record;
  }

  const probe: Probe = (point, detail) => {
    const scope = storage.getStore();
    if (!scope) return Promise.resolve();
    if (scope.killed) {
      scope.killed.after.push({ point, detail });
      return NEVER;
    }
    const n = (scope.seen.get(point) ?? 0) + 1;
    scope.seen.set(point, n);
    const planned = scope.plan?.channel;
    const counted = planned === undefined ? point : `${point} ${planned}`;
    const m =
      planned === undefined ? n : (scope.seen.get(counted) ?? 0) + (detail?.channel === planned ? 1 : 0);
    if (planned !== undefined) scope.seen.set(counted, m);
    if (
      scope.plan?.point === point &&
      (planned === undefined || detail?.channel === planned) &&
      scope.plan.occurrence === m
    ) {
      kill(scope, point, detail);
      return NEVER;
    }
    return Promise.resolve();
  };
  (globalThis as Record<symbol, unknown>)[CRASH_PROBE_HOOK] = probe;

  return {
    async run<T>(info: InvocationInfo, work: () => Promise<T>): Promise<Outcome<T>> {
      let onKill: (record: KillRecord) => void = () => undefined;
      const killed = new Promise<KillRecord>((resolve) => (onKill = resolve));
      const scope: Scope = {
        info,
        plan: options.policy.plan(info),
        seen: new Map(),
        killed: undefined,
        inFlight: new Set(),
        onKill,
      };
      const done = storage.run(scope, work);
      // An abandoned invocation's rejection is nobody's business.
      done.catch(() => undefined);
      const first: Outcome<T> = await Promise.race([
        done.then((value): Outcome<T> => ({ value })),
        killed.then((record): Outcome<T> => ({ killed: record })),
      ]);
      if ('value' in first && scope.plan?.point === 'returning' && !scope.killed) {
        return { killed: kill(scope, 'returning', {}) };
      }
      if ('killed' in first) await settle(scope);
      return first;
    },
    inKilledScope: () => storage.getStore()?.killed !== undefined,
    currentFunction: () => storage.getStore()?.info.fn,
    kills: () => [...kills],
    close() {
      const global = globalThis as Record<symbol, unknown>;
      if (global[CRASH_PROBE_HOOK] === probe) delete global[CRASH_PROBE_HOOK];
    },
  };
}

/** Waits for the dead invocation's requests on the wire, then cuts what is left. */
async function settle(scope: Scope): Promise<void> {
  const until = performance.now() + SETTLE_MS;
  while (scope.inFlight.size > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  for (const request of scope.inFlight) request.destroy(refusal(scope));
}

function refusal(scope: Scope): Error {
  return new Error(`invocation ${scope.info.requestId} was killed: its requests go nowhere`);
}

let guarded = false;

/** Once per process: requests of a killed scope never leave; live ones are tracked. */
function guardRequests(): void {
  if (guarded) return;
  guarded = true;
  diagnostics.subscribe('http.client.request.created', (message) => {
    const { request } = message as { request: ClientRequest };
    const scope = storage.getStore();
    if (!scope) return;
    if (scope.killed) {
      scope.killed.refused += 1;
      request.destroy(refusal(scope));
      return;
    }
    scope.inFlight.add(request);
    request.once('close', () => scope.inFlight.delete(request));
  });
}
