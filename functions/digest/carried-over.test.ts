import { describe, expect, it } from 'vitest';
import { openIncident } from '../shared/incidents/transitions';
import type { Incident } from '../shared/incidents/model';
import { carriedOverIncidents } from './carried-over';

const period = { start: new Date('2026-11-16T00:00:00Z'), end: new Date('2026-11-23T00:00:00Z') };

function incident(ruleId: string, at: string, extra: Partial<Incident> = {}): Incident {
  const base = openIncident({
    ruleId,
    severity: 'page',
    title: ruleId,
    source: 'alarm',
    at: new Date(at),
    test: false,
    silenced: false,
  });
  return { ...base, ...extra };
}

describe('carriedOverIncidents', () => {
  it('keeps incidents started before the period that were open at its end, and nothing else', async () => {
    const current = new Map<string, Incident>([
      ['open-from-before', incident('open-from-before', '2026-11-10T09:00:00Z')],
      [
        'resolved-after-end',
        incident('resolved-after-end', '2026-11-12T09:00:00Z', {
          state: 'resolved',
          resolvedAt: '2026-11-23T06:00:00.000Z',
        }),
      ],
      [
        'resolved-inside',
        incident('resolved-inside', '2026-11-12T09:00:00Z', {
          state: 'resolved',
          resolvedAt: '2026-11-18T06:00:00.000Z',
        }),
      ],
      ['started-inside', incident('started-inside', '2026-11-17T09:00:00Z')],
      ['a-test', incident('a-test', '2026-11-10T09:00:00Z', { test: true })],
    ]);
    const found = await carriedOverIncidents(
      { findCurrent: async (id) => current.get(id) },
      [...current.keys(), 'never-fired'],
      period,
    );
    expect(found.map((i) => i.ruleId)).toEqual(['open-from-before', 'resolved-after-end']);
  });
});
