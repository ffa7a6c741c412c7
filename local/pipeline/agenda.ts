/**
 * What AWS does at a given virtual time, in time order: minute closes, alarm evaluations,
 * delayed Insight notifications. The traffic player runs every job due before the next request
 * (and after the last one), moving the virtual clock to each job's time first, so a delayed
 * event happens between the requests it would fall between in AWS.
 *
 * Jobs at the same time run in the order they were scheduled. A job may schedule more jobs.
 */

export type Job = () => Promise<void> | void;

export interface Agenda {
  at(atMs: number, label: string, job: Job): void;
  /** Runs every job due at or before `untilMs`, in time order, including jobs they schedule. */
  runUntil(untilMs: number, moveClock: (atMs: number) => void): Promise<void>;
  pending(): number;
  /** Labels and times of the jobs still waiting, soonest first (for tests and the live view). */
  upcoming(): Array<{ atMs: number; label: string }>;
}

export function createAgenda(): Agenda {
  const jobs: Array<{ atMs: number; seq: number; label: string; job: Job }> = [];
  let seq = 0;
  const next = () => {
    let best = -1;
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i]!;
      const b = best < 0 ? undefined : jobs[best]!;
      if (!b || j.atMs < b.atMs || (j.atMs === b.atMs && j.seq < b.seq)) best = i;
    }
    return best;
  };
  return {
    at(atMs, label, job) {
      if (!Number.isFinite(atMs)) throw new RangeError(`cannot schedule "${label}" at ${atMs}`);
      jobs.push({ atMs, seq: seq++, label, job });
    },
    async runUntil(untilMs, moveClock) {
      for (let i = next(); i >= 0 && jobs[i]!.atMs <= untilMs; i = next()) {
        const [due] = jobs.splice(i, 1);
        moveClock(due!.atMs);
        await due!.job();
      }
    },
    pending: () => jobs.length,
    upcoming: () =>
      [...jobs].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq).map(({ atMs, label }) => ({ atMs, label })),
  };
}
