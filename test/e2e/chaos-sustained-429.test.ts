/**
 * A 10-minute sustained Slack 429 in the local pipeline (`--chaos` with only that burst: events
 * in order, nothing killed): the page email goes out on time, the Slack roots are posted once
 * the burst is over, one per incident, and every chaos invariant holds at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_EVENT_TYPE } from '../../functions/notifier/deliver-slack';
import { eventIdOfEmail } from '../../local/chaos/invariants';
import { createChaosPlan, type SlackBurst } from '../../local/chaos/plan';
import { runShortScenario, type E2eRun } from './support';

const MIN = 60_000;
let run: E2eRun;
let burst: SlackBurst;

beforeAll(async () => {
  const plan = createChaosPlan(7, {
    reorder: false,
    kills: false,
    slackBursts: ({ firstFaultMs }) => {
      burst = {
        kind: 'sustained',
        startMs: firstFaultMs,
        endMs: firstFaultMs + 10 * MIN,
        retryAfterSeconds: 60,
      };
      return [burst];
    },
  });
  run = await runShortScenario({ chaos: plan });
}, 240_000);
afterAll(async () => run?.cleanup());

describe('a 10-minute sustained Slack 429 under --chaos', () => {
  it('was injected: Slack answered 429s and the notifier deferred its Slack deliveries', () => {
    const chaos = run.summary.chaos!;
    expect(chaos.injected.slackBursts).toEqual([burst]);
    expect(chaos.injected.slack429s).toBeGreaterThan(0);
    expect(chaos.injected.deferredRecords).toBeGreaterThan(0);
    expect(chaos.injected.kills).toEqual({ decided: 0, claimed: 0, accepted: 0, recorded: 0, returning: 0 });
  });

  it('sends the page email on time: within 15 s of its alarm reaching the notifier, during the burst', () => {
    const emails = run.services.sns.published(run.services.names.onCallTopicArn);
    expect(emails).toHaveLength(1);
    // The event the email answers (its id is on the email's last line).
    const eventId = eventIdOfEmail(emails[0]!.message);
    expect(eventId).toBeDefined();
    const delivered = run.services.bus.deliveries().find((d) => d.eventId === eventId)!;
    const sentAt = emails[0]!.publishedAt.getTime();
    expect(sentAt - delivered.deliveredAtMs!).toBeGreaterThanOrEqual(0);
    expect(sentAt - delivered.deliveredAtMs!).toBeLessThanOrEqual(15_000);
    expect(sentAt).toBeLessThan(burst.endMs);
  });

  it('posts each root after the burst ends, one per incident', () => {
    const roots = (run.services.slack?.channels() ?? [])
      .flatMap((c) => run.services.slack!.messages(c.id))
      .filter((m) => m.metadata?.event_type === ROOT_EVENT_TYPE);
    // An incident folded into another's thread (inhibited or linked) has no root of its own.
    expect(roots.length).toBe(run.summary.pages.filter((p) => !p.relatedTo).length);
    for (const root of roots) expect(Number(root.ts) * 1000).toBeGreaterThanOrEqual(burst.endMs);
    expect(new Set(roots.map((r) => r.metadata?.event_payload.incident_id)).size).toBe(roots.length);
  });

  it('ends with every chaos invariant and every check holding', () => {
    const failed = run.summary.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(run.summary.chaos!.verdict.invariants.every((i) => i.violations.length === 0)).toBe(true);
  });
});
