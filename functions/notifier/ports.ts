/**
 * What the notifier's steps need from the outside world, as structural types, so the handler
 * can pass Powertools Logger and the real clock while tests pass fakes.
 */

/**
 * Structurally satisfied by Powertools `Logger` (checked by tsc in ports.test.ts). Extra
 * attributes are a rest parameter because that is Powertools' signature; pass at most one.
 */
export interface NotifierLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export type Clock = () => Date;
export type Sleep = (ms: number) => Promise<void>;
/** Uniform in [0, 1), like `Math.random`. */
export type Random = () => number;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** For callers that do not want log lines (benchmarks, one-off scripts). */
export const silentLogger: NotifierLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** What every parser needs: whose names and accounts are ours, and where to say why an event was ignored. */
export interface ParseContext {
  /** `ruleSet.namePrefix`: names without it belong to someone else. */
  namePrefix: string;
  /** Accounts whose events are ours (`eventSourceAccounts` in rules/names.ts); any other is ignored. */
  accounts: readonly string[];
  logger: NotifierLogger;
}

/**
 * Named points in the processing of an event where a test or the chaos runner may stop an
 * invocation dead (a probe that never resolves is a killed Lambda: nothing after it runs, not
 * even cleanup). Production passes none.
 *
 * | point      | just after                                                  |
 * |------------|-------------------------------------------------------------|
 * | `decided`  | the rule ledger recorded the decision (before mirrors)      |
 * | `claimed`  | a delivery was claimed, before sending                      |
 * | `accepted` | the channel accepted the message, before the log says sent  |
 * | `recorded` | every delivery, before history, impact and events           |
 */
export type ProbePoint = 'decided' | 'claimed' | 'accepted' | 'recorded';
export type Probe = (point: ProbePoint, detail: { incidentId?: string; channel?: string }) => Promise<void>;
export const noProbe: Probe = async () => undefined;

/**
 * Where a local Lambda runner installs its crash probe (local/lambda/kill-switch.ts), so the
 * real handler, loaded from source or from its bundle, stops where the runner's chaos plan
 * says. A registered symbol on `globalThis`, because a bundle carries its own copy of this
 * module. Nothing installs one in AWS: there `installedProbe` is `noProbe`.
 */
export const CRASH_PROBE_HOOK = Symbol.for('uia.notifier.crash-probe');

/** The probe the runner installed under {@link CRASH_PROBE_HOOK}, or none. */
export const installedProbe: Probe = (point, detail) => {
  const hook = (globalThis as Record<symbol, unknown>)[CRASH_PROBE_HOOK];
  return typeof hook === 'function' ? (hook as Probe)(point, detail) : Promise.resolve();
};
