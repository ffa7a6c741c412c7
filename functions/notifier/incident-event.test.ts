import { describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import type { Incident } from '../shared/incidents/model';
import {
  MAX_SHARED_USERNAMES,
  incidentUpdatedDetail,
  incidentUpdatedDetailSchema,
  isPublishedChange,
} from './incident-event';

const rule = ruleSet.rules.find((r) => r.id === 'registered-user-faults')!;
const incident: Incident = {
  id: 'registered-user-faults@2026-03-02T10:00:00.000Z',
  ruleId: 'registered-user-faults',
  severity: 'page',
  title: 'Faults for registered shoppers',
  test: false,
  state: 'resolved',
  activeSources: [],
  sources: ['alarm', 'insight'],
  firstFiredAt: '2026-03-02T10:00:00.000Z',
  lastEventAt: '2026-03-02T10:20:00.000Z',
  pagedAt: '2026-03-02T10:00:05.000Z',
  resolvedAt: '2026-03-02T10:20:00.000Z',
  reopenedCount: 0,
  silenced: false,
  slack: { channel: 'C0ONCALL01', rootTs: '1772445600.000100' },
  impact: {
    affectedUsers: 2,
    anonymousRequests: 1,
    unattributedTraces: 0,
    totalTraces: 9,
    faults: 6,
    partial: false,
  },
  users: ['maria', 'li'],
  usersTruncated: false,
  version: 7,
};
const alert = {
  eventId: 'evt-3',
  kind: 'alarm' as const,
  state: 'resolved' as const,
  changedAt: new Date('2026-03-02T10:20:00Z'),
  links: { alarm: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/x' },
};

describe('Incident Updated event', () => {
  it('validates against the published schema, with counts, links and duration', () => {
    const detail = incidentUpdatedDetail({ incident, change: 'resolved', alert, rule });
    expect(incidentUpdatedDetailSchema.parse(detail)).toEqual(detail);
    expect(detail).toMatchObject({
      schemaVersion: 1,
      ruleId: 'registered-user-faults',
      state: 'resolved',
      change: 'resolved',
      durationSeconds: 1200,
      counts: { affectedUsers: 2, totalTraces: 9 },
      trigger: { eventId: 'evt-3', kind: 'alarm', state: 'resolved', at: '2026-03-02T10:20:00.000Z' },
      links: { runbook: rule.runbookUrl, alarm: alert.links.alarm, slackThread: { channel: 'C0ONCALL01' } },
    });
  });

  it('leaves usernames out unless the rule opts in, and caps them when it does', () => {
    expect(incidentUpdatedDetail({ incident, change: 'resolved', alert, rule })).not.toHaveProperty(
      'usernames',
    );
    const sharing = { ...rule, enrichment: { ...rule.enrichment, shareUsernames: true } };
    const many = { ...incident, users: Array.from({ length: MAX_SHARED_USERNAMES + 5 }, (_, i) => `u${i}`) };
    const detail = incidentUpdatedDetail({ incident: many, change: 'attached', alert, rule: sharing });
    expect(detail.usernames).toHaveLength(MAX_SHARED_USERNAMES);
    expect(detail.usernamesTruncated).toBe(true);
    expect(incidentUpdatedDetailSchema.safeParse(detail).success).toBe(true);
  });

  it('rejects fields the documentation does not describe', () => {
    const detail = incidentUpdatedDetail({ incident, change: 'resolved', alert, rule });
    expect(incidentUpdatedDetailSchema.safeParse({ ...detail, email: 'x@example.com' }).success).toBe(false);
  });

  it('is published for changes of the incident, not for notes or no-ops', () => {
    expect(
      ['opened', 'attached', 'reopened', 'resolved', 'still-open', 'corrected'].every((c) =>
        isPublishedChange(c as never),
      ),
    ).toBe(true);
    expect(isPublishedChange('noted')).toBe(false);
    expect(isPublishedChange('already-resolved')).toBe(false);
    expect(isPublishedChange('stale')).toBe(false);
  });
});
