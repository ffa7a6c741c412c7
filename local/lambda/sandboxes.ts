/**
 * Which invocations may run at the same time in this one process. Lambda runs each concurrent
 * invocation of a function in its own execution environment; here they share one process and
 * its one `process.env`, so:
 *
 * | invocations                              | here                                            |
 * |------------------------------------------|-------------------------------------------------|
 * | of different functions                   | never overlap (each sets its own variables)     |
 * | of one function, `maxConcurrency` 1      | one at a time (the default: one sandbox)        |
 * | of one function, `maxConcurrency` n > 1  | up to n at once, sharing the function's         |
 * |                                          | variables (they are the same for every call)    |
 *
 * Waiters are admitted in arrival order, so a function waiting for another never starves.
 *
 * The one variable that differs per invocation is `_X_AMZN_TRACE_ID`, which the X-Ray SDK reads
 * per subsegment: overlapping invocations of one function may file a subsegment under the other
 * one's trace. Nothing checks the notifier's own traces, which is where overlap is used.
 */

export interface SandboxFunction {
  name: string;
  /** Invocations of this function that may run at once (default 1). */
  maxConcurrency?: number;
}

export interface Sandboxes {
  /**
   * Waits for a slot; `vars` are set for the group of invocations the first one opens and
   * restored when the last one ends (a variable one invocation sets for itself, like the trace
   * header, belongs in `vars` too, so that it is restored).
   */
  enter(fn: SandboxFunction, vars: Readonly<Record<string, string | undefined>>): Promise<void>;
  leave(fn: SandboxFunction): void;
  /** Invocations running now. */
  running(): number;
}

export function createSandboxes(): Sandboxes {
  let group: { fn: string; count: number; saved: Record<string, string | undefined> } | undefined;
  const waiting: Array<{ fn: SandboxFunction; admit: () => void }> = [];

  const fits = (fn: SandboxFunction) =>
    group === undefined || (group.fn === fn.name && group.count < Math.max(1, fn.maxConcurrency ?? 1));

  function admit(fn: SandboxFunction, vars: Readonly<Record<string, string | undefined>>): void {
    if (!group) {
      const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
      group = { fn: fn.name, count: 0, saved };
      setEnv(vars);
    }
    group.count += 1;
  }

  return {
    enter(fn, vars) {
      if (waiting.length === 0 && fits(fn)) {
        admit(fn, vars);
        return Promise.resolve();
      }
      return new Promise<void>((resolve) =>
        waiting.push({
          fn,
          admit: () => {
            admit(fn, vars);
            resolve();
          },
        }),
      );
    },
    leave(fn) {
      if (!group || group.fn !== fn.name) throw new Error(`${fn.name} left a sandbox it was not in`);
      group.count -= 1;
      if (group.count === 0) {
        setEnv(group.saved);
        group = undefined;
      }
      while (waiting[0] && fits(waiting[0].fn)) waiting.shift()!.admit();
    },
    running: () => group?.count ?? 0,
  };
}

export function setEnv(vars: Readonly<Record<string, string | undefined>>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}
