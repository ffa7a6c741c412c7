import { describe, expect, it } from 'vitest';
import type { Incident } from '../shared/incidents/model';
import { computeDigest, stats } from './compute';
import { digestPeriods } from './period';
import { incidentsFromScripts, type IncidentScript } from './test-support';

const MIN = 60_000;
const periods = digestPeriods(new Date('2026-11-23T08:00:00Z'), 'weekly', 'Europe/London');
const faults = { ruleId: 'registered-user-faults', severity: 'page', title: 'Faults' } as const;
const slow = { ruleId: 'slow-registered-users', severity: 'ticket', title: 'Slow' } as const;

function figures(scripts: IncidentScript[], previous: IncidentScript[] = [], nameUsers = false) {
  return computeDigest({
    periods,
    incidents: incidentsFromScripts(scripts),
    previousIncidents: incidentsFromScripts(previous),
    nameUsers,
  });
}

describe('stats', () => {
  it('takes the middle value, or the mean of the two middle values, and the worst', () => {
    expect(stats([30, 10, 20])).toEqual({ count: 3, medianMs: 20, worstMs: 30 });
    expect(stats([40, 10, 20, 30])).toEqual({ count: 4, medianMs: 25, worstMs: 40 });
    expect(stats([])).toEqual({ count: 0, medianMs: undefined, worstMs: undefined });
  });
});

describe('computeDigest', () => {
  it('counts only incidents that started inside the period, whatever the caller passed', () => {
    const f = figures([
      { ...faults, at: '2026-11-15T23:59:59Z', resolvedAfterMs: MIN },
      { ...faults, at: '2026-11-16T00:00:00Z', resolvedAfterMs: MIN },
      { ...faults, at: '2026-11-22T23:59:59Z', resolvedAfterMs: MIN },
      { ...faults, at: '2026-11-23T00:00:00Z', resolvedAfterMs: MIN },
    ]);
    expect(f.incidents).toBe(2);
    expect(f.days.map((d) => d.total)).toEqual([1, 0, 0, 0, 0, 0, 1]);
  });

  it('treats an incident resolved after the period end as still open, up to the end', () => {
    const f = figures([
      { ...faults, at: '2026-11-22T23:00:00Z', pagedAfterMs: MIN, resolvedAfterMs: 90 * MIN },
    ]);
    expect(f.ongoing).toHaveLength(1);
    expect(f.ongoing[0]).toMatchObject({ ongoing: true, durationMs: 60 * MIN });
    expect(f.timeToResolve.count).toBe(0);
    expect(f.longest).toMatchObject({ ongoing: true, durationMs: 60 * MIN });
  });

  it('ignores a page sent after the period end, so a later re-run reports the same figures', () => {
    const f = figures([{ ...faults, at: '2026-11-22T23:59:00Z', pagedAfterMs: 2 * MIN }]);
    expect(f.timeToPage.count).toBe(0);
  });

  it('leaves test incidents out and says how many', () => {
    const f = figures([
      { ...faults, at: '2026-11-17T10:00:00Z', test: true, users: ['tester'], anonymousRequests: 5 },
      { ...slow, at: '2026-11-17T11:00:00Z', resolvedAfterMs: MIN },
    ]);
    expect(f).toMatchObject({ incidents: 1, testIncidentsExcluded: 1, anonymousRequests: 0 });
    expect(f.users.distinct).toBe(0);
    expect(f.byRule.map((r) => r.ruleId)).toEqual(['slow-registered-users']);
  });

  it('counts distinct users across incidents and flags a lower bound when a list was incomplete', () => {
    const complete = figures([
      { ...faults, at: '2026-11-17T10:00:00Z', users: ['a', 'b'] },
      { ...slow, at: '2026-11-18T10:00:00Z', users: ['b', 'c'] },
    ]);
    expect(complete.users).toEqual({ distinct: 3, lowerBound: false });

    const partial = figures([{ ...faults, at: '2026-11-17T10:00:00Z', users: ['a'], partial: true }]);
    expect(partial.users).toEqual({ distinct: 1, lowerBound: true });

    // 40 affected but only 2 names stored: the union (3) is below what one incident alone saw.
    const short = figures([
      { ...faults, at: '2026-11-17T10:00:00Z', users: ['a', 'b'], affectedUsers: 40 },
      { ...slow, at: '2026-11-18T10:00:00Z', users: ['c'] },
    ]);
    expect(short.users).toEqual({ distinct: 40, lowerBound: true });
  });

  it('reports the largest incident estimate under sampling, never below the users seen', () => {
    const estimate = (point: number) => ({
      seen: 2,
      estimate: point,
      low: point - 1,
      high: point + 5,
      samplingRate: 0.05,
    });
    const f = figures([
      { ...faults, at: '2026-11-17T10:00:00Z', users: ['a', 'b'], estimate: estimate(9) },
      { ...faults, at: '2026-11-18T10:00:00Z', users: ['c', 'd'], estimate: estimate(4) },
      { ...slow, at: '2026-11-18T11:00:00Z', users: ['e'] },
    ]);
    expect(f.users).toEqual({ distinct: 5, lowerBound: false, estimate: { estimate: 9, low: 8, high: 14 } });
    const raised = figures([
      { ...faults, at: '2026-11-17T10:00:00Z', users: ['a', 'b'], estimate: estimate(3) },
      { ...slow, at: '2026-11-18T11:00:00Z', users: ['c', 'd', 'e', 'f'] },
    ]);
    expect(raised.users.estimate).toEqual({ estimate: 6, low: 6, high: 8 });
  });

  it('flags a lower bound when the stored list was truncated', () => {
    const [incident] = incidentsFromScripts([{ ...faults, at: '2026-11-17T10:00:00Z', users: ['a'] }]);
    const truncated: Incident = { ...incident!, usersTruncated: true };
    const f = computeDigest({ periods, incidents: [truncated], previousIncidents: [] });
    expect(f.users).toEqual({ distinct: 1, lowerBound: true });
  });

  it('names users only when asked to', () => {
    const scripts: IncidentScript[] = [{ ...faults, at: '2026-11-17T10:00:00Z', users: ['zoe', 'adam'] }];
    expect(figures(scripts).users.names).toBeUndefined();
    expect(figures(scripts, [], true).users.names).toEqual(['adam', 'zoe']);
  });

  it('ranks rules by incidents, lists silenced ones, and names a removed rule by its latest title', () => {
    const f = computeDigest({
      periods,
      incidents: incidentsFromScripts([
        { ...slow, at: '2026-11-16T10:00:00Z', resolvedAfterMs: MIN, silenced: true },
        { ...slow, at: '2026-11-17T10:00:00Z', resolvedAfterMs: MIN },
        { ...faults, at: '2026-11-18T10:00:00Z', resolvedAfterMs: MIN },
        {
          ruleId: 'gone',
          severity: 'info',
          title: 'Old name',
          at: '2026-11-16T10:00:00Z',
          resolvedAfterMs: MIN,
        },
        {
          ruleId: 'gone',
          severity: 'info',
          title: 'New name',
          at: '2026-11-19T10:00:00Z',
          resolvedAfterMs: MIN,
        },
      ]),
      previousIncidents: [],
      rules: [{ id: 'slow-registered-users', title: 'Slow responses', owner: 'shop-team' }],
    });
    expect(f.byRule.map((r) => [r.ruleId, r.count, r.title])).toEqual([
      ['slow-registered-users', 2, 'Slow responses'],
      ['gone', 2, 'New name'],
      ['registered-user-faults', 1, 'Faults'],
    ]);
    expect(f.byRule[0]?.owner).toBe('shop-team');
    expect(f.silenced).toEqual([
      {
        ruleId: 'slow-registered-users',
        title: 'Slow responses',
        owner: 'shop-team',
        severity: 'ticket',
        count: 1,
      },
    ]);
  });

  it('compares with the previous period', () => {
    const f = figures(
      [{ ...faults, at: '2026-11-17T10:00:00Z', resolvedAfterMs: 10 * MIN, users: ['a'] }],
      [
        { ...faults, at: '2026-11-10T10:00:00Z', resolvedAfterMs: 30 * MIN, users: ['a', 'b'] },
        { ...slow, at: '2026-11-11T10:00:00Z', resolvedAfterMs: 50 * MIN, users: ['c'], partial: true },
      ],
    );
    expect(f.previous).toEqual({
      incidents: 2,
      distinctUsers: 3,
      usersLowerBound: true,
      medianTimeToResolveMs: 40 * MIN,
    });
  });

  it('gives an empty period zero counts and no medians', () => {
    const f = figures([]);
    expect(f).toMatchObject({
      incidents: 0,
      bySeverity: { page: 0, ticket: 0, info: 0 },
      byRule: [],
      users: { distinct: 0, lowerBound: false },
      timeToPage: { count: 0, medianMs: undefined },
      longest: undefined,
      ongoing: [],
    });
    expect(f.days).toHaveLength(7);
    expect(f.days.every((d) => d.total === 0)).toBe(true);
  });
});

describe('how pages were picked up', () => {
  const ack = (incident: Incident, afterPageMs: number): Incident => ({
    ...incident,
    acknowledgement: {
      by: 'U0ONCALL01',
      at: new Date(Date.parse(incident.pagedAt!) + afterPageMs).toISOString(),
      via: 'acknowledge',
    },
  });

  it('takes time to acknowledge from the page, over page-severity incidents paged in the period; counts escalations', () => {
    const [a, b, c, d, ticket] = incidentsFromScripts([
      { ...faults, at: '2026-11-17T10:00:00Z', pagedAfterMs: MIN, resolvedAfterMs: 30 * MIN },
      { ...faults, at: '2026-11-18T10:00:00Z', pagedAfterMs: MIN, resolvedAfterMs: 30 * MIN },
      { ...faults, at: '2026-11-19T10:00:00Z', pagedAfterMs: MIN, resolvedAfterMs: 30 * MIN },
      // Paged, acknowledged only after the period ended: not yet, as far as this period knows.
      { ...faults, at: '2026-11-22T23:50:00Z', pagedAfterMs: MIN },
      { ...slow, at: '2026-11-19T10:00:00Z', pagedAfterMs: MIN, resolvedAfterMs: 30 * MIN },
    ]);
    const escalated: Incident = {
      ...c!,
      escalation: { steps: [{ step: 1, at: new Date(Date.parse(c!.pagedAt!) + 10 * MIN).toISOString() }] },
    };
    const f = computeDigest({
      periods,
      incidents: [ack(a!, 2 * MIN), ack(b!, 7 * MIN), escalated, ack(d!, 20 * MIN), ack(ticket!, MIN)],
      previousIncidents: [],
    });
    expect(f.pickup).toEqual({
      pages: 4,
      acknowledged: 2,
      timeToAcknowledge: { count: 2, medianMs: 4.5 * MIN, worstMs: 7 * MIN },
      escalated: 1,
    });
  });
});
