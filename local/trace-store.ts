/**
 * In-memory traces for the local X-Ray: the daemon writes assembled traces here, the
 * X-Ray API stand-in reads them, and tests seed or await them. Each trace may carry the raw
 * segment documents it was built from, which `BatchGetTraces` hands back.
 */
import type { Trace } from '../rules/filter/trace';

export interface StoredTrace {
  trace: Trace;
  /** Segment documents as JSON strings (empty for traces seeded directly). */
  documents: readonly string[];
}

export type TimeRangeType = 'TraceId' | 'Event' | 'Service';

export interface TraceStore {
  /** Adds or replaces (same id) a trace. */
  put(trace: Trace, documents?: readonly string[]): void;
  get(id: string): StoredTrace | undefined;
  /** Newest first: start time descending, then id descending, a total order paging can rely on. */
  list(): Trace[];
  size(): number;
  clear(): void;
  /**
   * Resolves with the trace once it is stored and `until` holds for it (segments of one
   * trace arrive one by one), or rejects after `timeoutMs`.
   */
  waitFor(id: string, until?: (trace: Trace) => boolean, timeoutMs?: number): Promise<Trace>;
  /** Calls `listener` on every put (each segment of a trace is one); returns the unsubscribe. */
  onPut(listener: (trace: Trace) => void): () => void;
}

export function createTraceStore(): TraceStore {
  const traces = new Map<string, StoredTrace>();
  const listeners = new Set<(trace: Trace) => void>();
  let sorted: Trace[] | undefined;

  return {
    put(trace, documents = []) {
      traces.set(trace.id, { trace, documents });
      sorted = undefined;
      for (const listener of [...listeners]) listener(trace);
    },
    get: (id) => traces.get(id),
    list() {
      sorted ??= [...traces.values()].map((s) => s.trace).sort(newestFirst);
      return sorted;
    },
    size: () => traces.size,
    clear() {
      traces.clear();
      sorted = undefined;
    },
    onPut(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitFor(id, until = () => true, timeoutMs = 2_000) {
      const current = traces.get(id)?.trace;
      if (current && until(current)) return Promise.resolve(current);
      return new Promise((resolve, reject) => {
        const listener = (trace: Trace) => {
          if (trace.id !== id || !until(trace)) return;
          done();
          resolve(trace);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`trace ${id} did not arrive (or never met the condition) within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        listeners.add(listener);
      });
    },
  };
}

export function newestFirst(a: Trace, b: Trace): number {
  if (a.startTime !== b.startTime) return b.startTime - a.startTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * X-Ray's windows are half-open `[start, end)`. `TraceId` selects traces that started in
 * the window (X-Ray reads the start from the id; ours is the earliest segment start);
 * `Event` selects traces active during it. `Service` time is not documented beyond its
 * name, so it is treated like `Event`.
 */
export function inTimeRange(trace: Trace, start: number, end: number, type: TimeRangeType): boolean {
  if (type === 'TraceId') return trace.startTime >= start && trace.startTime < end;
  const traceEnd = trace.startTime + (trace.duration ?? trace.responseTime ?? 0);
  return trace.startTime < end && traceEnd >= start;
}
