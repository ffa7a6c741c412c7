import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../event-bus';
import type { InvocationInfo } from '../lambda/kill-switch';
import { createChaosPlan, LAST_KILLED_TRY, REORDER_WINDOW_MS, type ChaosPlan } from './plan';

const event = (id: string) => ({ id }) as BusEvent;
const noSchedule = () => undefined;
const span = { firstFaultMs: 1_000_000, lastFaultEndMs: 1_180_000 };

/** Every draw a plan makes for 40 events, two tries of each, and its Slack bursts. */
function draws(plan: ChaosPlan) {
  const delivery = plan.delivery(noSchedule, ['alarms']);
  const delays = Array.from({ length: 40 }, (_, i) => delivery.delays(event(`ev-${i}`), 'alarms'));
  const crashes = plan.crashes('uia-notifier');
  const kills = Array.from({ length: 40 }, (_, i) =>
    [1, 2, 3].map((attempt) =>
      crashes.plan({ fn: 'uia-notifier', requestId: `r${i}`, attempt, key: `e${i}.c1`, event: {} }),
    ),
  );
  return { delays, kills, bursts: plan.slackBursts(span) };
}

describe('chaos plan', () => {
  it('is named by its seed: the same seed draws the same plan, another seed another', () => {
    expect(draws(createChaosPlan(5))).toEqual(draws(createChaosPlan(5)));
    expect(draws(createChaosPlan(5))).not.toEqual(draws(createChaosPlan(6)));
  });

  it('keys draws on stable names, not on the order things ask', () => {
    const a = createChaosPlan(9).crashes('uia-notifier');
    const b = createChaosPlan(9).crashes('uia-notifier');
    const info = (key: string, attempt: number): InvocationInfo => ({
      fn: 'uia-notifier',
      requestId: 'any',
      attempt,
      key,
      event: {},
    });
    const keys = Array.from({ length: 30 }, (_, i) => `e${i}.c1`);
    const forward = keys.map((k) => a.plan(info(k, 1)));
    const backward = [...keys].reverse().map((k) => b.plan(info(k, 1)));
    expect(forward).toEqual(backward.reverse());
  });

  it('stays inside its bounds: delays within the window, at least one copy, the third try never killed', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { delays, kills, bursts } = draws(createChaosPlan(seed));
      for (const copies of delays) {
        expect(copies.length).toBeGreaterThanOrEqual(1);
        expect(copies.length).toBeLessThanOrEqual(3);
        for (const d of copies) expect(d >= 0 && d <= REORDER_WINDOW_MS).toBe(true);
      }
      for (const tries of kills) expect(tries[LAST_KILLED_TRY]).toBeUndefined();
      expect(bursts.length).toBeGreaterThanOrEqual(1);
      for (const b of bursts) {
        expect(b.startMs).toBeGreaterThanOrEqual(span.firstFaultMs);
        expect(b.startMs).toBeLessThanOrEqual(span.lastFaultEndMs + 6 * 60_000);
        if (b.kind === 'sustained') expect([b.endMs - b.startMs, b.retryAfterSeconds]).toEqual([600_000, 60]);
      }
    }
  });

  it('draws every kind of chaos over a few seeds', () => {
    const all = Array.from({ length: 30 }, (_, i) => draws(createChaosPlan(i + 1)));
    const delays = all.flatMap((d) => d.delays);
    expect(delays.some((c) => c.length > 1)).toBe(true);
    expect(delays.some((c) => c[0]! > 0)).toBe(true);
    const points = new Set(all.flatMap((d) => d.kills.flat()).flatMap((k) => (k ? [k.point] : [])));
    expect([...points].sort()).toEqual(['accepted', 'claimed', 'decided', 'recorded', 'returning']);
    const kinds = new Set(all.flatMap((d) => d.bursts.map((b) => b.kind)));
    expect([...kinds].sort()).toEqual(['long', 'short', 'sustained']);
  });

  it('turns parts off by override', () => {
    const plan = createChaosPlan(3, { reorder: false, kills: false, slackBursts: () => [] });
    const { delays, kills, bursts } = draws(plan);
    expect(delays.every((c) => c.length === 1 && c[0] === 0)).toBe(true);
    expect(kills.flat().every((k) => k === undefined)).toBe(true);
    expect(bursts).toEqual([]);
  });
});
