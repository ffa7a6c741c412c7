import { describe, expect, it } from 'vitest';
import { MAX_STORED_USERS } from './model';
import {
  attachFiring,
  clearSource,
  decideFiring,
  openIncident,
  reopenIncident,
  type FiringEvent,
} from './transitions';

const at = (iso: string) => new Date(iso);
const event = (over: Partial<FiringEvent> = {}): FiringEvent => ({
  ruleId: 'r',
  severity: 'page',
  title: 'R',
  source: 'alarm',
  at: at('2026-11-23T10:00:00Z'),
  test: false,
  silenced: false,
  ...over,
});

describe('incident transitions', () => {
  it('opens, attaches a second source, and resolves only when both sources cleared', () => {
    let inc = openIncident(event({ users: ['alice'] }));
    expect(inc).toMatchObject({
      state: 'open',
      activeSources: ['alarm'],
      firstFiredAt: '2026-11-23T10:00:00.000Z',
      version: 1,
    });
    inc = attachFiring(
      inc,
      event({ source: 'insight', at: at('2026-11-23T10:02:00Z'), users: ['bob', 'alice'] }),
    );
    expect(inc.activeSources).toEqual(['alarm', 'insight']);
    expect(inc.users).toEqual(['alice', 'bob']);
    inc = clearSource(inc, 'alarm', at('2026-11-23T10:05:00Z'));
    expect(inc.state).toBe('open');
    inc = clearSource(inc, 'insight', at('2026-11-23T10:07:00Z'));
    expect(inc).toMatchObject({
      state: 'resolved',
      resolvedAt: '2026-11-23T10:07:00.000Z',
      activeSources: [],
      version: 4,
    });
  });

  it('reopens within the window and opens a new incident after it', () => {
    const resolved = clearSource(openIncident(event()), 'alarm', at('2026-11-23T10:10:00Z'));
    const window = 15 * 60_000;
    expect(decideFiring(resolved, at('2026-11-23T10:25:00Z'), window)).toBe('reopen');
    expect(decideFiring(resolved, at('2026-11-23T10:25:00.001Z'), window)).toBe('open');
    expect(decideFiring(undefined, at('2026-11-23T10:25:00Z'), window)).toBe('open');
    const reopened = reopenIncident(resolved, event({ at: at('2026-11-23T10:20:00Z') }));
    expect(reopened).toMatchObject({ state: 'open', reopenedCount: 1, activeSources: ['alarm'] });
    expect(reopened.resolvedAt).toBeUndefined();
  });

  it('keeps peak impact and bounds stored usernames', () => {
    const many = Array.from({ length: MAX_STORED_USERS + 5 }, (_, i) => `u${i}`);
    const impact = {
      affectedUsers: 5,
      anonymousRequests: 2,
      unattributedTraces: 0,
      totalTraces: 9,
      faults: 7,
      partial: false,
    };
    const inc = attachFiring(
      openIncident(event({ impact })),
      event({ users: many, impact: { ...impact, faults: 3, partial: true } }),
    );
    expect(inc.impact).toEqual({ ...impact, faults: 7, partial: true });
    expect(inc.users).toHaveLength(MAX_STORED_USERS);
    expect(inc.usersTruncated).toBe(true);
  });
});
