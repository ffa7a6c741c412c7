/**
 * Only the right events page, end to end through `handleEvent` against the local stand-ins:
 * test alerts go to the test channel (never the on-call email unless asked), are capped per rule
 * and hour, and an unknown rule is ignored rather than dead-lettered (a DLQ message would page
 * on-call); an alarm or test alert from another account pages nobody.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleEvent as handle, type HandleResult } from '../../functions/notifier/handle-event';
import { ruleSet } from '../../rules';
import { alarmEvent, testAlertEvent } from './events';
import { DLQ, ONCALL_TOPIC, lambdaContext, notifierDeps, startHarness, type Harness } from './harness';

const T = new Date('2026-03-02T10:00:00Z');
const TEST_CHANNEL = ruleSet.testAlerts.slackChannel!;
const ONCALL_CHANNEL = 'shop-oncall';
let h: Harness;
let ids = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** Counts of what reached on-call and the test channel, to compare before and after. */
function reached() {
  return {
    testChannel: h.slack.messages(TEST_CHANNEL).length,
    onCallChannel: h.slack.messages(ONCALL_CHANNEL).length,
    emails: h.sns.published(ONCALL_TOPIC).length,
    deadLetters: h.sqs.messages(DLQ).length,
  };
}

function delta(before: ReturnType<typeof reached>) {
  const now = reached();
  return {
    testChannel: now.testChannel - before.testChannel,
    onCallChannel: now.onCallChannel - before.onCallChannel,
    emails: now.emails - before.emails,
    deadLetters: now.deadLetters - before.deadLetters,
  };
}

const id = (tag: string) => `${tag}-${++ids}`;
const kind = (r: HandleResult) => r.kind;

describe('test alerts', () => {
  it('page the test channel by default, and neither on-call’s channel nor the on-call email', async () => {
    const deps = await notifierDeps(h, { now: () => T });
    const before = reached();
    const result = await handleEvent(testAlertEvent({ id: id('drill'), at: T }), deps);
    expect(kind(result)).toBe('processed');
    expect(delta(before)).toEqual({ testChannel: 1, onCallChannel: 0, emails: 0, deadLetters: 0 });
    expect(h.slack.messages(TEST_CHANNEL).at(-1)!.text).toMatch(/^\[TEST\] /);
  });

  it('go to the on-call email only when asked for it', async () => {
    const deps = await notifierDeps(h, { now: () => T });
    const before = reached();
    await handleEvent(testAlertEvent({ id: id('mail'), at: T, email: true }), deps);
    expect(delta(before)).toEqual({ testChannel: 1, onCallChannel: 0, emails: 1, deadLetters: 0 });
    expect(h.sns.published(ONCALL_TOPIC).at(-1)!.subject).toMatch(/^\[TEST\] /);
  });

  it('are capped at six per rule per hour: twenty alternating firing and resolved page six times, the rest are ignored, none dead-lettered', async () => {
    let now = T;
    const deps = await notifierDeps(h, { now: () => now });
    const before = reached();
    const results: HandleResult[] = [];
    for (let i = 0; i < 20; i++) {
      results.push(
        await handleEvent(
          testAlertEvent({ id: id('flood'), at: T, state: i % 2 === 0 ? 'firing' : 'resolved' }),
          deps,
        ),
      );
    }
    expect(results.map(kind)).toEqual([
      ...Array<string>(6).fill('processed'),
      ...Array<string>(14).fill('ignored'),
    ]);
    expect(results[6]).toEqual({
      kind: 'ignored',
      reason: `test alert rate limit reached: at most ${ruleSet.testAlerts.maxPerRulePerHour} test alerts per rule per hour (rule registered-user-faults)`,
    });
    const got = delta(before);
    expect(got.deadLetters).toBe(0);
    expect(got.onCallChannel + got.emails).toBe(0);
    expect(deps.lines.filter((l) => l.message === 'ignoring event')).toHaveLength(14);
    // The notifier's next clock hour has a fresh quota (the event's own time is the sender's to set).
    now = new Date('2026-03-02T11:00:00Z');
    expect(kind(await handleEvent(testAlertEvent({ id: id('next-hour'), at: T }), deps))).toBe('processed');
  });

  it('count a duplicated or concurrently redelivered test alert once, paging once', async () => {
    const deps = await notifierDeps(h, { now: () => T });
    const before = reached();
    const event = testAlertEvent({ id: id('dup'), at: T });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => handleEvent(structuredClone(event), deps)),
    );
    expect(results.every((r) => r.kind === 'processed')).toBe(true);
    expect(delta(before)).toMatchObject({ testChannel: 1, deadLetters: 0 });
  });

  it('naming an unknown rule are logged and ignored, not dead-lettered', async () => {
    const deps = await notifierDeps(h, { now: () => T });
    const before = reached();
    const result = await handleEvent(
      testAlertEvent({ id: id('typo'), at: T, ruleId: 'registered-user-fault' }),
      deps,
    );
    expect(result).toEqual({
      kind: 'ignored',
      reason: 'test alert names rule "registered-user-fault", which is not in the rule set',
    });
    expect(delta(before)).toEqual({ testChannel: 0, onCallChannel: 0, emails: 0, deadLetters: 0 });
    expect(deps.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'ignoring event' }));
  });
});

describe('events of other accounts', () => {
  it.each([
    [
      'an alarm of ours, by name, from another account',
      alarmEvent({ id: 'x', at: T, from: 'OK', to: 'ALARM' }),
    ],
    ['a test alert from another account', testAlertEvent({ id: 'y', at: T })],
  ])('%s pages nobody and is ignored with the reason', async (_case, event) => {
    const deps = await notifierDeps(h, { now: () => T });
    const before = reached();
    const result = await handleEvent({ ...event, id: id('foreign'), account: '999999999999' }, deps);
    expect(result).toEqual({
      kind: 'ignored',
      reason: expect.stringMatching(
        /^event from account 999999999999 is not from an account of this deployment \(123456789012\)/,
      ),
    });
    expect(delta(before)).toEqual({ testChannel: 0, onCallChannel: 0, emails: 0, deadLetters: 0 });
  });
});

function handleEvent(event: unknown, deps: Awaited<ReturnType<typeof notifierDeps>>): Promise<HandleResult> {
  return handle(event, lambdaContext(), deps);
}
