/**
 * An invocation killed right after SNS accepted the page email, before the claim was marked
 * done (while Slack answers 429s, so the email is the first send to be accepted): Lambda's
 * retry about a minute later pages again. The chaos verdict allows that second email only
 * because the kill fell after SNS accepted one, and counts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryKeys } from '../../functions/notifier/plan-deliveries';
import { createChaosPlan } from '../../local/chaos/plan';
import { runShortScenario, type E2eRun } from './support';

const MIN = 60_000;
let run: E2eRun;

/** The paging rule's OK→ALARM: the event whose invocation sends the page email. */
function opensPagingIncident(event: unknown): boolean {
  const detail = (event as { detail?: { alarmName?: string; state?: { value?: string } } }).detail;
  return detail?.alarmName?.includes('registered-user-faults') === true && detail.state?.value === 'ALARM';
}

beforeAll(async () => {
  const plan = createChaosPlan(11, {
    reorder: false,
    kills: (invocation) =>
      invocation.attempt === 1 && opensPagingIncident(invocation.event)
        ? // The email's own acceptance: that invocation may accept other sends first (the line
          // an inhibited incident gets in this thread).
          { point: 'accepted', occurrence: 1, channel: deliveryKeys.pageEmail.channel }
        : undefined,
    slackBursts: ({ firstFaultMs }) => [
      { kind: 'sustained', startMs: firstFaultMs, endMs: firstFaultMs + 10 * MIN, retryAfterSeconds: 60 },
    ],
  });
  run = await runShortScenario({ chaos: plan });
}, 240_000);
afterAll(async () => run?.cleanup());

describe('a crash after SNS accepted the page email', () => {
  it('killed the first try right after SNS accepted the email, and Lambda retried it', () => {
    const chaos = run.summary.chaos!;
    expect(chaos.injected.killsAt).toEqual({ [`accepted ${deliveryKeys.pageEmail.channel}`]: 1 });
    expect(chaos.injected.retries).toBeGreaterThanOrEqual(1);
  });

  it('pages by email again on the retry (SNS had accepted, the claim was never marked done): counted and explained', () => {
    const emails = run.services.sns.published(run.services.names.onCallTopicArn);
    expect(emails).toHaveLength(2);
    // The retry takes over the dead invocation's lease and sends again, about a minute later.
    const gap = emails[1]!.publishedAt.getTime() - emails[0]!.publishedAt.getTime();
    expect(gap).toBeGreaterThanOrEqual(MIN);
    expect(gap).toBeLessThan(3 * MIN);
    expect(run.summary.chaos!.verdict.duplicateEmails).toEqual({ total: 1, explained: 1 });
  });

  it('still ends with every invariant holding: one root, the store and Slack agreeing', () => {
    expect(run.summary.chaos!.verdict.invariants.flatMap((i) => i.violations)).toEqual([]);
    expect(run.summary.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
