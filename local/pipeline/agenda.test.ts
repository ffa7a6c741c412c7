import { describe, expect, it } from 'vitest';
import { createAgenda } from './agenda';

describe('agenda', () => {
  it('runs due jobs in time order (ties in scheduling order), moving the clock to each, and leaves later ones', async () => {
    const agenda = createAgenda();
    const ran: string[] = [];
    const clock: number[] = [];
    agenda.at(30, 'c', () => void ran.push('c'));
    agenda.at(10, 'a', () => void ran.push('a'));
    agenda.at(10, 'b', () => void ran.push('b'));
    agenda.at(99, 'late', () => void ran.push('late'));
    await agenda.runUntil(50, (at) => clock.push(at));
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(clock).toEqual([10, 10, 30]);
    expect(agenda.upcoming()).toEqual([{ atMs: 99, label: 'late' }]);
  });

  it('runs jobs that due jobs schedule, when they fall in the same run', async () => {
    const agenda = createAgenda();
    const ran: number[] = [];
    const tick = (at: number) => () => {
      ran.push(at);
      if (at < 40) agenda.at(at + 10, 'tick', tick(at + 10));
    };
    agenda.at(10, 'tick', tick(10));
    await agenda.runUntil(35, () => undefined);
    expect(ran).toEqual([10, 20, 30]);
    await agenda.runUntil(Number.POSITIVE_INFINITY, () => undefined);
    expect(ran).toEqual([10, 20, 30, 40]);
    expect(agenda.pending()).toBe(0);
  });
});
