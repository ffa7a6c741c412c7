import { describe, expect, it } from 'vitest';
import type { Rule } from '../../rules/schema';
import { activeSilence, planDeliveries, slackTarget, type PlanInput } from './plan-deliveries';

const rule: Pick<Rule, 'routes' | 'silences'> = {
  routes: { slack: 'shop-oncall', email: 'immediate' },
  silences: [],
};
const routing = { slackChannels: [{ name: 'shop-oncall', id: 'C0ONCALL01' }, { name: 'shop-alerts' }] };
const at = new Date('2026-03-02T10:00:00Z');
const input = (over: Partial<PlanInput>): PlanInput => ({
  state: 'firing',
  change: 'opened',
  rule,
  routing,
  at,
  ...over,
});

describe('planDeliveries', () => {
  // Root rewrites are no longer planned per event: every changed incident's root is synced.
  it.each([
    ['firing', 'opened', { ensureRoot: true, reply: true }, true],
    ['updated', 'attached', { ensureRoot: true, reply: true }, true],
    ['firing', 'reopened', { ensureRoot: true, reply: true }, true],
    ['resolved', 'opened-resolved', { ensureRoot: true, reply: false }, true],
    ['firing', 'opened-resolved', { ensureRoot: true, reply: false }, true],
    ['resolved', 'resolved', { ensureRoot: false, reply: true }, false],
    ['resolved', 'still-open', { ensureRoot: false, reply: true }, false],
    ['insufficient_data', 'noted', { ensureRoot: false, reply: true }, false],
  ] as const)('%s / %s → Slack %o, email %s', (state, change, slack, email) => {
    expect(planDeliveries(input({ state, change }))).toEqual({
      silence: undefined,
      slack: { channel: 'C0ONCALL01', ...slack },
      email,
    });
  });

  it.each(['already-resolved', 'no-incident', 'stale', 'corrected'] as const)(
    'sends nothing for %s',
    (change) => {
      expect(planDeliveries(input({ state: 'resolved', change }))).toEqual({
        silence: undefined,
        slack: undefined,
        email: false,
      });
    },
  );

  it('mails only rules routed `immediate`; digest rules are left to the digest', () => {
    const digestRule = { ...rule, routes: { slack: 'shop-alerts', email: 'digest' as const } };
    expect(planDeliveries(input({ rule: digestRule }))).toMatchObject({
      slack: { channel: 'shop-alerts' },
      email: false,
    });
  });

  it('skips Slack for a rule without a Slack route, and still mails', () => {
    const mailOnly = { ...rule, routes: { email: 'immediate' as const } };
    expect(planDeliveries(input({ rule: mailOnly }))).toEqual({
      silence: undefined,
      slack: undefined,
      email: true,
    });
  });

  it('sends nothing while a silence is in force at the event time, and everything after it ends', () => {
    const silence = { until: '2026-03-02T10:00:00.001Z', reason: 'migration' };
    const silenced = { ...rule, silences: [silence] };
    expect(planDeliveries(input({ rule: silenced }))).toEqual({ silence, slack: undefined, email: false });
    expect(planDeliveries(input({ rule: silenced, at: new Date('2026-03-02T10:00:00.001Z') })).email).toBe(
      true,
    );
  });
});

describe('activeSilence and slackTarget', () => {
  it('finds the first silence that has not ended, whatever its offset', () => {
    const silences = [
      { until: '2026-03-02T09:00:00Z', reason: 'over' },
      { until: '2026-03-02T12:00:00+02:00', reason: 'ends 10:00 UTC' },
      { until: '2026-03-02T11:00:00Z', reason: 'later' },
    ];
    expect(activeSilence({ silences }, at)?.reason).toBe('later');
    expect(activeSilence({ silences }, new Date('2026-03-02T09:59:59Z'))?.reason).toBe('ends 10:00 UTC');
  });

  it('judges silences set from a page at the event time: from their start (inclusive) to their end', () => {
    const runtime = [
      {
        id: 'click-1',
        from: '2026-03-02T10:00:00Z',
        until: '2026-03-02T11:00:00Z',
        createdBy: 'U0ALICE',
        reason: 'Silenced for 1 h from the page',
      },
      {
        id: 'click-2',
        from: '2026-03-02T10:30:00Z',
        until: '2026-03-02T14:30:00Z',
        createdBy: 'U0BOB',
        reason: 'Silenced for 4 h from the page',
      },
    ];
    const none = { silences: [] };
    expect(activeSilence(none, new Date('2026-03-02T09:59:59.999Z'), runtime)).toBeUndefined();
    expect(activeSilence(none, new Date('2026-03-02T10:00:00Z'), runtime)?.id).toBe('click-1');
    expect(activeSilence(none, new Date('2026-03-02T10:45:00Z'), runtime)?.id).toBe('click-2');
    expect(activeSilence(none, new Date('2026-03-02T14:30:00Z'), runtime)).toBeUndefined();
    // Planning uses them the same way: an event inside sends nothing, one before still pages.
    const inside = planDeliveries(input({ runtimeSilences: runtime, at: new Date('2026-03-02T10:05:00Z') }));
    expect(inside).toMatchObject({ slack: undefined, email: false, silence: { id: 'click-1' } });
    const before = planDeliveries(input({ runtimeSilences: runtime, at: new Date('2026-03-02T09:55:00Z') }));
    expect(before.email).toBe(true);
  });

  it('prefers the configured channel id and falls back to the name', () => {
    expect(slackTarget(rule, routing)).toBe('C0ONCALL01');
    expect(slackTarget({ routes: { slack: 'shop-alerts', email: 'none' } }, routing)).toBe('shop-alerts');
    expect(slackTarget({ routes: { email: 'none' } }, routing)).toBeUndefined();
  });
});
