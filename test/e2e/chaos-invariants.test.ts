/**
 * One full `--chaos` run (seed 1: events reordered, copied and delivered together, notifier
 * invocations killed and retried, a Slack 429 burst) ends with every invariant holding; and
 * each invariant is shown to fail when what it guards is broken in that run's observation
 * (an incident left open, an email lost or doubled, a root left FIRING, an Incident Updated
 * event lost), so none of them passes by construction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../functions/shared/incidents/model';
import { judge, type ChaosObservation, type InvariantName } from '../../local/chaos/invariants';
import type { SlackMessage } from '../../local/slack-server';
import { runShortScenario, type E2eRun } from './support';

let run: E2eRun;
let o: ChaosObservation;

beforeAll(async () => {
  run = await runShortScenario({ chaos: 1 });
  o = run.chaosObservation!;
}, 240_000);
afterAll(async () => run?.cleanup());

const violated = (observation: ChaosObservation): Partial<Record<InvariantName, string[]>> =>
  Object.fromEntries(
    judge(observation)
      .invariants.filter((i) => i.violations.length > 0)
      .map((i) => [i.name, i.violations]),
  );

const paging = () => o.incidents.find((i) => i.ruleId === 'registered-user-faults')!;
const withIncident = (changed: Incident): ChaosObservation => ({
  ...o,
  incidents: o.incidents.map((i) => (i.id === changed.id ? changed : i)),
});

describe('a chaos run (seed 1)', () => {
  it('injected every kind of chaos and still ended with every invariant and check holding', () => {
    const chaos = run.summary.chaos!;
    expect(chaos.injected.overtaken).toBeGreaterThan(0);
    expect(chaos.injected.duplicatedEvents).toBeGreaterThan(0);
    expect(chaos.injected.concurrent).toBeGreaterThan(0);
    expect(Object.values(chaos.injected.kills).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(chaos.injected.retries).toBeGreaterThan(0);
    expect(chaos.injected.slackBursts.length).toBeGreaterThan(0);
    expect(violated(o)).toEqual({});
    expect(run.summary.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.summary.ok).toBe(true);
  });

  it('prints the plan and each invariant in the summary, and keeps the observation out of summary.json', async () => {
    const text = await run.read('summary.txt');
    expect(text).toMatch(/Chaos \(seed 1\): \d+ AWS events, \d+ deliveries/);
    expect(text).toMatch(/ok {3}no incident left open after all its sources resolved/);
    expect(run.summaryJson.chaos?.verdict.invariants).toHaveLength(5);
    expect(run.summaryJson.chaos).not.toHaveProperty('observation');
  });
});

describe('each invariant fails when what it guards is broken', () => {
  it('an incident still open though every source resolved', () => {
    const v = violated(withIncident({ ...paging(), state: 'open', resolvedAt: undefined }));
    expect(v['resolved-when-sources-resolved']?.[0]).toMatch(
      /still open though every source of the rule resolved/,
    );
    // Its resolved root now disagrees with the store too.
    expect(v['root-matches-store']?.[0]).toMatch(/shows resolved/);
  });

  it('an outage without its page email, or with a second one no crash explains', () => {
    const page = (m: { message: string }) => m.message.includes('registered-user-faults');
    expect(
      violated({ ...o, emails: o.emails.filter((m) => !page(m)) })['one-root-and-email-per-outage'],
    ).toEqual([expect.stringMatching(/registered-user-faults outage .*: no page email/)]);
    const doubled = { ...o, kills: [], emails: [...o.emails, ...o.emails.filter(page)] };
    expect(violated(doubled)['one-root-and-email-per-outage']?.[0]).toMatch(
      /2 page emails; only 0 crash\(es\) fell after SNS accepted one/,
    );
  });

  it('a second root for an outage that was not rewritten to point at the thread', () => {
    const root = o.slackTopLevel.find((m) => m.ts === paging().slack!.rootTs)!;
    const second: SlackMessage = { ...root, ts: `${Number(root.ts) + 1}.000000` };
    const v = violated({ ...o, slackTopLevel: [...o.slackTopLevel, second] });
    expect(v['one-root-and-email-per-outage']?.[0]).toMatch(/2 thread roots, not one/);
  });

  it('a root left FIRING for a resolved incident', () => {
    const incident = paging();
    const root = o.slackTopLevel.find((m) => m.ts === incident.slack!.rootTs)!;
    const firing = withStaleRoot(root);
    expect(firing['no-firing-root-when-resolved']?.[0]).toMatch(/root .* of resolved .* shows open/);
    expect(firing['root-matches-store']?.[0]).toMatch(/its root .* shows open/);
  });

  it('an incident change without an Incident Updated event', () => {
    const id = paging().id;
    const v = violated({
      ...o,
      incidentUpdates: o.incidentUpdates.filter(
        (e) => (e.detail as { incidentId?: string }).incidentId !== id,
      ),
    });
    expect(v['incident-updated-per-change']?.[0]).toMatch(/Incident Updated names 0 of them/);
  });
});

/** Judged with `root` as it was first posted (while open), as if it had never been rewritten. */
function withStaleRoot(root: SlackMessage): Partial<Record<InvariantName, string[]>> {
  const firstShown = root.revisions[0]!;
  const stale: SlackMessage = { ...root, text: firstShown.text, blocks: firstShown.blocks };
  expect(root.revisions.length).toBeGreaterThan(0);
  return violated({ ...o, slackTopLevel: o.slackTopLevel.map((m) => (m.ts === root.ts ? stale : m)) });
}
