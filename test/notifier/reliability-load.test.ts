/**
 * 500 events for 25 rules through the notifier against the stand-ins, shuffled a little and
 * all at once (a file of its own: it is the slowest, and runs beside the others).
 */
import { describe, expect, it } from 'vitest';
import { ruleSet as shippedRuleSet } from '../../rules';
import { alarmName } from '../../rules/names';
import type { Rule } from '../../rules/schema';
import { seededRandom } from '../../functions/notifier/test-support';
import { alarmEvent } from './events';
import { at, lambdaLike, RULE, type Scenario } from './lambda-like';

const { scenario, invokeAsync } = lambdaLike();

// ---- many rules, shuffled and in a burst ----------------------------------------------------

/** 25 copies of the paging rule (each its own alarm), all routed to one channel. */
function manyRules(count: number): Rule[] {
  const base = shippedRuleSet.rules.find((r) => r.id === RULE)!;
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    id: `load-${String(i + 1).padStart(2, '0')}`,
    title: `Load rule ${i + 1}`,
    group: { ...base.group, insights: false, insightNotifications: false },
    // Every outage pages (and mails), whatever its impact: this load is about delivery.
    impact: undefined,
    inhibits: [],
  }));
}

/** Per rule four outages of four events each (fire, two updates, OK), 30 minutes apart. */
function outageEvents(rules: Rule[]): Array<{ event: Record<string, unknown>; ruleId: string }> {
  const events: Array<{ event: Record<string, unknown>; ruleId: string; at: number }> = [];
  for (const rule of rules) {
    const name = alarmName(shippedRuleSet.namePrefix, rule.id);
    let previousOk = at(-60);
    for (let k = 0; k < 5; k++) {
      const start = at(k * 30);
      const steps = [
        { from: 'OK', to: 'ALARM', at: start, previousAt: previousOk },
        { from: 'ALARM', to: 'ALARM', at: at(k * 30 + 1), previousAt: start },
        { from: 'ALARM', to: 'ALARM', at: at(k * 30 + 2), previousAt: at(k * 30 + 1) },
        { from: 'ALARM', to: 'OK', at: at(k * 30 + 5), previousAt: at(k * 30 + 2) },
      ] as const;
      steps.forEach((step, i) =>
        events.push({
          event: alarmEvent({ id: `${rule.id}-${k}-${i}`, alarmName: name, ...step }),
          ruleId: rule.id,
          at: step.at.getTime(),
        }),
      );
      previousOk = at(k * 30 + 5);
    }
  }
  return events.sort((a, b) => a.at - b.at || a.ruleId.localeCompare(b.ruleId));
}

/** Moves each event at most `max` places (a seeded, bounded shuffle). */
function displace<T>(items: T[], max: number, random: () => number): T[] {
  return items
    .map((item, i) => ({ item, key: i + random() * max }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);
}

async function pool<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

async function checkLoad(s: Scenario, rules: Rule[]) {
  const incidents = (await s.deps.store.listStartedBetween(at(-120), at(400))).filter((i) =>
    i.ruleId.startsWith('load-'),
  );
  expect(incidents).toHaveLength(rules.length * 5);
  expect(incidents.filter((i) => i.state !== 'resolved').map((i) => i.id)).toEqual([]);
  // Every root shows what the store says.
  const roots = new Map(s.roots().map((m) => [m.ts, m.text]));
  const mismatched = incidents.filter((i) => !i.slack || !roots.get(i.slack.rootTs)?.includes('RESOLVED'));
  expect(mismatched.map((i) => i.id)).toEqual([]);
  expect(roots.size).toBe(incidents.length);
  expect(s.emails()).toHaveLength(incidents.length);
}

describe('500 events for 25 rules', () => {
  const rules = manyRules(25);

  it(
    'ends with every incident resolved when each event is moved up to 60 places',
    { timeout: 240_000 },
    async () => {
      // Used to: 17 of 25 incidents end open.
      const s = await scenario({ extraRules: rules });
      const events = displace(outageEvents(rules), 60, seededRandom(12));
      expect(events).toHaveLength(500);
      await pool(events, 10, async ({ event }) => {
        const result = await invokeAsync(event, s.deps);
        if (result instanceof Error) throw result;
      });
      await checkLoad(s, rules);
    },
  );

  it(
    'ends with every incident resolved, and every root matching the store, when all 500 arrive in a burst',
    { timeout: 240_000 },
    async () => {
      // Used to: 25 of 25 open; 5 roots said RESOLVED while the store said open.
      const s = await scenario({ extraRules: rules });
      // The same 500 events, delivered at once: 25 invocations in flight. More starve this one
      // process: the invocations share one fake clock, which every invocation's X-Ray rate
      // sleeps move on (each alarm window is about 30 sub-windows), so a send's budget, read
      // on that clock, runs out while its real request is still in flight; 50 in flight fail
      // that way, as no Lambda fleet (one clock per sandbox) would.
      const events = displace(outageEvents(rules), 60, seededRandom(12));
      await pool(events, 25, async ({ event }) => {
        const result = await invokeAsync(event, s.deps);
        if (result instanceof Error) throw result;
      });
      await checkLoad(s, rules);
    },
  );
});
