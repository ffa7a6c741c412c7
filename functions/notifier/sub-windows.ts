/**
 * An enrichment query window → sub-windows read in parallel, newest first.
 *
 * X-Ray pages a GetTraceSummaries window newest first and a NextToken is only good for the
 * query that made it, so one window is one sequential chain of calls: at 200 ms a call and about
 * 100 summaries a page, 100,000 traces take 200 s whatever the request rate. Cut into
 * sub-windows, the chains run side by side, as fast as the request rate allows.
 *
 * Exact partition: with TimeRangeType `Event` a trace active across a boundary comes back from
 * both sub-windows. Each trace is counted by the sub-window it *started* in (aggregate.ts
 * `startingFromMs`); the earliest sub-window also counts traces that started before the window
 * and were still active in it, as the whole window's query would. So the sub-windows together
 * count exactly what one query of the window counts, each trace once.
 *
 * Sizes: SUB_WINDOW_MS (10 s) by default, so a 5-minute alarm window is 30 chains, enough to
 * keep any sensible request rate busy; at most MAX_SUB_WINDOWS (a 24 h window gets 86 s ones).
 * Rejected: one chain per X-Ray page slice found by probing (X-Ray documents neither page size
 * nor slice length), and splitting a chain once it proves long (it can only be split at its own
 * token, which X-Ray does not let us read).
 */
export const SUB_WINDOW_MS = 10_000;
export const MAX_SUB_WINDOWS = 1_000;

export interface SubWindow {
  /** 0 = newest. */
  index: number;
  startMs: number;
  endMs: number;
  /** Count only traces that started at or after this (−∞ for the earliest sub-window). */
  countFromMs: number;
}

export function subWindowCount(startMs: number, endMs: number, sliceMs = SUB_WINDOW_MS): number {
  const span = Math.max(1, endMs - startMs);
  return Math.min(MAX_SUB_WINDOWS, Math.max(1, Math.ceil(span / Math.max(1_000, sliceMs))));
}

/**
 * Sub-window `index` of `count` over [startMs, endMs), newest first. Inner boundaries fall on
 * whole seconds: the SDK may send StartTime/EndTime as whole epoch seconds, and a boundary it
 * rounds would leave a gap (or an overlap) between two sub-windows.
 */
export function subWindow(startMs: number, endMs: number, count: number, index: number): SubWindow {
  const span = endMs - startMs;
  const from = (k: number) =>
    k === 0
      ? startMs
      : Math.min(endMs, Math.max(startMs, Math.round((startMs + (span * k) / count) / 1000) * 1000));
  const k = count - 1 - index;
  return {
    index,
    startMs: from(k),
    endMs: k === count - 1 ? endMs : from(k + 1),
    countFromMs: k === 0 ? Number.NEGATIVE_INFINITY : from(k),
  };
}
