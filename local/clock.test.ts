import { afterEach, describe, expect, it } from 'vitest';
import { installVirtualClock, type VirtualClock } from './clock';

const START = Date.parse('2026-11-22T21:00:00Z');
let clock: VirtualClock | undefined;

afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('virtual clock', () => {
  it('puts Date (and only Date) in virtual time', async () => {
    clock = installVirtualClock({ start: START, flow: false });
    expect(Date.now()).toBe(START);
    expect(new Date().toISOString()).toBe('2026-11-22T21:00:00.000Z');
    // Timers stay real: this resolves although the virtual clock does not move.
    await sleep(15);
    expect(Date.now()).toBe(START);
  });

  it('advances and jumps forward, never back', () => {
    clock = installVirtualClock({ start: START, flow: false });
    clock.advance(3_500);
    expect(Date.now()).toBe(START + 3_500);
    clock.setSystemTime(new Date(START + 60_000));
    expect(clock.now()).toBe(START + 60_000);
    expect(() => clock?.setSystemTime(START)).toThrow(/only moves forward/);
    expect(() => clock?.advance(-1)).toThrow(RangeError);
    expect(clock.date().toISOString()).toBe('2026-11-22T21:01:00.000Z');
  });

  it('lets wall time flow on top of the jumps when asked to', async () => {
    clock = installVirtualClock({ start: START, flow: true });
    const wallBefore = performance.now();
    await sleep(60);
    const wallElapsed = performance.now() - wallBefore;
    const virtualElapsed = Date.now() - START;
    expect(virtualElapsed).toBeGreaterThanOrEqual(40);
    expect(virtualElapsed).toBeLessThanOrEqual(wallElapsed + 5);
    clock.advance(60_000);
    expect(Date.now() - START).toBeGreaterThanOrEqual(60_040);
  });

  it('lets at most the limited wall time flow while limited, and all of it again after release', async () => {
    clock = installVirtualClock({ start: START, flow: true });
    const release = clock.limitFlow(10);
    await sleep(60);
    expect(Date.now() - START).toBeLessThanOrEqual(10);
    clock.advance(3_500); // explicit moves are not limited
    expect(Date.now() - START).toBeGreaterThanOrEqual(3_500);
    release();
    const before = Date.now();
    await sleep(60);
    expect(Date.now() - before).toBeGreaterThanOrEqual(40);
  });

  it('gives the real Date back on uninstall, once', () => {
    clock = installVirtualClock({ start: START, flow: false });
    clock.uninstall();
    clock.uninstall();
    expect(Math.abs(Date.now() - performance.timeOrigin - performance.now())).toBeLessThan(1_000);
  });
});
