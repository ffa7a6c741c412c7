/**
 * EventBridge delivers at least once: with every alarm and Insight event delivered three times,
 * the run still pages once per incident (one Slack thread, one email) and names the same users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShortScenario, type E2eRun } from './support';
import type { TracingBackend } from '../../functions/shared/tracing';

/** The checks, for the run traced with `tracing`; each *.test.ts file runs them for one backend. */
export function duplicatesSpec(tracing: TracingBackend): void {
  let run: E2eRun;

  beforeAll(async () => {
    run = await runShortScenario({ tracing, duplicates: 3 });
  }, 60_000);

  afterAll(() => run?.cleanup());

  describe(`duplicate event delivery (tracing: ${tracing})`, () => {
    it('delivered every event three times', () => {
      const { alerts } = run.summaryJson;
      expect(alerts.events).toBeGreaterThan(0);
      expect(alerts.deliveries).toBe(3 * alerts.events);
      expect(alerts.deadLettered).toBe(0);
    });

    it('still sends one page per incident: one thread, one email', () => {
      const slack = run.services.slack!;
      for (const channel of slack.channels()) {
        const incidents = run.summaryJson.pages.filter((p) => p.slack?.channel === channel.id).length;
        expect(slack.messages(channel.id), channel.name).toHaveLength(incidents);
      }
      const paging = run.summaryJson.pages.filter((p) => p.ruleId === 'registered-user-faults');
      expect(paging).toHaveLength(1);
      expect(run.summaryJson.emails.byRule['registered-user-faults']).toBe(1);
    });

    it('names the same users as a single delivery would, and passes every check', () => {
      const failing = run.population.truth.failing.map((u) => u.username).sort();
      expect(run.summaryJson.pages.find((p) => p.ruleId === 'registered-user-faults')?.reportedUsers).toEqual(
        failing,
      );
      expect(run.summaryJson.checks.filter((c) => !c.ok)).toEqual([]);
    });
  });
}
