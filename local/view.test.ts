import { describe, expect, it } from 'vitest';
import type { ApiInvocation } from './lambda-runner';
import type { MinuteReport } from './pipeline/minute-loop';
import type { PlannedRequest } from './scenario/plan';
import { createView } from './view';

const T = Date.parse('2026-11-22T21:05:00Z');
const invocation = (statusCode: number, ms = 10) =>
  ({ startMs: T, endMs: T + ms, response: { statusCode, body: '' } }) as ApiInvocation;
const planned = {} as PlannedRequest;
const report: MinuteReport = {
  minuteStartMs: T,
  counts: { 'registered-user-faults': 4 },
  events: [],
  late: [],
};
const fault = {
  name: 'cart-errors',
  description: undefined,
  who: { segment: 'registered' as const, count: 3 },
  dependency: 'dynamodb' as const,
  operations: ['cart.add' as const],
  what: { kind: 'errors' as const },
  span: { startMs: T, endMs: T + 180_000 },
  windows: [{ startMs: T, endMs: T + 180_000 }],
  rampMs: undefined,
  probability: 1,
  activity: 1,
};

describe('terminal view', () => {
  it('prints plain lines, in virtual time, when not on a terminal', () => {
    const out: string[] = [];
    const view = createView({ live: false, write: (s) => out.push(s), now: () => T });
    view.fault(fault, true);
    view.minute(report, { alarms: { 'registered-user-faults': 'ALARM' }, insights: [], pages: 1 });
    view.close();
    expect(out).toEqual([
      '21:05:00 fault cart-errors on: errors on dynamodb (cart.add)\n',
      '21:05:00 minute 21:05 traces per group: registered-user-faults=4\n',
    ]);
    expect(out.join('')).not.toContain('\x1b[');
  });

  it('redraws one block in place on a terminal, with traffic, alarms and pages', () => {
    const out: string[] = [];
    const view = createView({ live: true, write: (s) => out.push(s), now: () => T, refreshMs: 60_000 });
    view.fault(fault, true);
    view.request(planned, invocation(200));
    view.request(planned, invocation(502));
    view.request(planned, invocation(200, 3_600));
    view.minute(report, {
      alarms: { 'registered-user-faults': 'ALARM' },
      insights: ['registered-user-faults'],
      pages: 2,
    });
    view.close();
    expect(out).toHaveLength(2);
    const last = out[1]!;
    expect(last.startsWith('\x1b[')).toBe(true);
    expect(last).toContain('3 requests: 2 ok, 0 4xx');
    expect(last).toContain('1 over 3 s');
    expect(last).toContain('2 pages sent');
    expect(last).toContain('cart-errors');
    expect(last).toContain('21:05:00 fault cart-errors on');
  });
});
