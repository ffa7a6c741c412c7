/**
 * The event bus with a delivery plan (the chaos run's): copies delayed on the caller's
 * scheduler, so events arrive out of order; copies due at one instant delivered together.
 */
import { describe, expect, it } from 'vitest';
import { createEventBus, type BusEvent, type DeliveryPlan } from './event-bus';
import { createAgenda } from './pipeline/agenda';

const pattern = { source: ['aws.cloudwatch'] };

function setup(delays: (event: BusEvent) => number[]) {
  let now = Date.parse('2026-11-22T21:00:00Z');
  const agenda = createAgenda();
  const bus = createEventBus({ clock: () => new Date(now) });
  const plan: DeliveryPlan = { delays, schedule: (atMs, label, job) => agenda.at(atMs, label, job) };
  bus.setDeliveryPlan(plan);
  const seen: Array<{ name: string; at: number; running: number }> = [];
  let running = 0;
  bus.addTarget({
    id: 'alarms',
    pattern,
    handler: async (event) => {
      running += 1;
      seen.push({ name: (event.detail as { name: string }).name, at: now, running });
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    },
  });
  const put = (name: string) =>
    bus.put(
      bus.event({ source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change', detail: { name } }),
    );
  const runAll = () => agenda.runUntil(Number.POSITIVE_INFINITY, (at) => (now = at));
  return { bus, put, runAll, seen, start: now };
}

describe('event bus delivery plan', () => {
  it('delivers each copy after its own delay, so a later event can overtake an earlier one', async () => {
    const delays: Record<string, number[]> = { first: [60_000], second: [0] };
    const s = setup((e) => delays[(e.detail as { name: string }).name]!);
    expect(await s.put('first')).toEqual([]);
    await s.put('second');
    expect(s.seen).toEqual([]);
    await s.runAll();
    expect(s.seen.map((x) => [x.name, x.at - s.start])).toEqual([
      ['second', 0],
      ['first', 60_000],
    ]);
  });

  it('delivers copies of one event (same id) and of different events due at one instant together', async () => {
    const s = setup((e) =>
      (e.detail as { name: string }).name === 'a' ? [20_000, 20_000, 40_000] : [20_000],
    );
    await s.put('a');
    await s.put('b');
    await s.runAll();
    expect(s.seen.map((x) => [x.name, x.at - s.start])).toEqual([
      ['a', 20_000],
      ['a', 20_000],
      ['b', 20_000],
      ['a', 40_000],
    ]);
    // The three due at 20 s ran at the same time.
    expect(Math.max(...s.seen.slice(0, 3).map((x) => x.running))).toBe(3);
    const deliveries = s.bus.deliveries();
    expect(deliveries.map((d) => [d.copy, d.together])).toEqual([
      [1, 3],
      [2, 3],
      [1, 3],
      [3, 1],
    ]);
    expect(new Set(deliveries.map((d) => d.eventId)).size).toBe(2);
  });

  it('refuses a plan that gives a target no copy, rather than losing the event', async () => {
    const s = setup(() => []);
    // Thrown as the event is put, like a PutEvents that fails: the caller still holds the event.
    expect(() => s.put('lost')).toThrow(/no copy/);
  });

  it('delivers at once again once the plan is removed', async () => {
    const s = setup(() => [60_000]);
    s.bus.setDeliveryPlan(undefined);
    const deliveries = await s.put('now');
    expect(deliveries).toHaveLength(1);
    expect(s.seen.map((x) => x.name)).toEqual(['now']);
  });
});
