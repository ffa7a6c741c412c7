import { describe, expect, it } from 'vitest';
import { MAX_STORED_USERS } from './model';
import { clearSource, openIncident, recordImpact, type FiringEvent } from './transitions';

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

describe('incident transitions for scripts', () => {
  it('opens, and resolves when the source clears', () => {
    let inc = openIncident(event({ users: ['alice'] }));
    expect(inc).toMatchObject({
      state: 'open',
      activeSources: ['alarm'],
      firstFiredAt: '2026-11-23T10:00:00.000Z',
      version: 1,
    });
    inc = clearSource(inc, 'alarm', at('2026-11-23T10:07:00Z'));
    expect(inc).toMatchObject({
      state: 'resolved',
      resolvedAt: '2026-11-23T10:07:00.000Z',
      activeSources: [],
      version: 2,
    });
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
    const inc = recordImpact(openIncident(event({ impact })), { ...impact, faults: 3, partial: true }, many);
    expect(inc.impact).toEqual({ ...impact, faults: 7, partial: true });
    expect(inc.users).toHaveLength(MAX_STORED_USERS);
    expect(inc.usersTruncated).toBe(true);
  });
});
