/**
 * X-Ray throttles GetTraceSummaries when the fault starts: the notifier still pages within its
 * enrichment budget, marks the page partial, and the incident still ends up naming its users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShortScenario, type E2eRun } from './support';
import type { TracingBackend } from '../../functions/shared/tracing';

const THROTTLES = 10;
/** The checks, for the run traced with `tracing`; each *.test.ts file runs them for one backend. */
export function xrayThrottleSpec(tracing: TracingBackend): void {
  let run: E2eRun;

  beforeAll(async () => {
    run = await runShortScenario({ tracing, xrayThrottles: THROTTLES });
  }, 60_000);

  afterAll(() => run?.cleanup());

  describe(`X-Ray throttling during enrichment (tracing: ${tracing})`, () => {
    it('was throttled as asked', () => {
      const throttled = run.services.xray
        .calls('GetTraceSummaries')
        .filter((c) => c.errorType === 'ThrottledException' && c.throttledBy === 'fault');
      expect(throttled).toHaveLength(THROTTLES);
    });

    it('still paged, marked partial, in Slack', () => {
      const slack = run.services.slack!;
      const nameOf = new Map(slack.channels().map((c) => [c.id, c.name]));
      const partial = run.summaryJson.pages.filter((p) => p.partial);
      expect(partial.length).toBeGreaterThan(0);
      for (const page of partial) {
        expect(page.pagedAt).toBeDefined();
        // The root as first posted (by the end it is rewritten to the resolved summary): roots
        // in a channel are posted in ts order, so the n-th root is the n-th root post.
        const channel = page.slack!.channel;
        const rootPosts = slack
          .calls('chat.postMessage')
          .filter((c) => c.ok && c.params.thread_ts === undefined)
          .filter((c) => c.params.channel === channel || c.params.channel === nameOf.get(channel));
        const index = slack.messages(channel).findIndex((m) => m.ts === page.slack!.rootTs);
        const original = rootPosts[index]!;
        // Posted first, then completed in place: the first post says it is still reading (and,
        // once X-Ray has throttled, how many calls), however far the throttling let it get.
        expect(`${String(original.params.text)}\n${String(original.params.blocks)}`).toMatch(
          /Still reading traces \(still reading: \d+ of \d+ time slices(, X-Ray throttled \d+ calls?)?\)/,
        );
      }
    });

    it('ends with every injected user named, and one thread per incident', () => {
      const named = new Set(run.summaryJson.pages.flatMap((p) => p.reportedUsers));
      for (const user of [...run.population.truth.failing, ...run.population.truth.slow]) {
        expect(named.has(user.username), user.username).toBe(true);
      }
      expect(run.summaryJson.checks.find((c) => c.name === 'one Slack thread per incident')?.ok).toBe(true);
    });
  });
}
