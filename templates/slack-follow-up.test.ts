import { describe, expect, it } from 'vitest';
import { SLACK_TOTAL_TEXT_MAX } from './limits';
import { slackLimitViolations, type SlackMessage } from './slack-alert';
import type { Enrichment, UserImpact } from '../functions/notifier/enrichment';
import { renderFollowUp } from './slack-follow-up';

const user = (username: string, faults = 1): UserImpact => ({
  username,
  requests: faults + 1,
  faults,
  errors: 0,
  throttles: 0,
  slowestSeconds: 0.2,
  firstSeen: undefined,
  lastSeen: undefined,
  exampleTraceId: undefined,
});

function enrichment(users: UserImpact[], over: Partial<Enrichment> = {}): Enrichment {
  return {
    status: 'complete',
    reason: undefined,
    query: {
      startTime: new Date(0),
      endTime: new Date(1),
      filterExpression: 'fault',
      timeRangeType: 'Event',
    },
    users,
    distinctUsers: users.length,
    distinctUsersCapped: false,
    usersSeenOnce: 0,
    usersSeenTwice: 0,
    overflowRequests: 0,
    overflowFaults: 0,
    anonymousRequests: 0,
    anonymousFaults: 0,
    unattributedTraces: 0,
    unattributedFaults: 0,
    usersFieldFallbacks: 0,
    totalTraces: users.length,
    faults: users.length,
    errors: 0,
    throttles: 0,
    rootCauses: [],
    exampleTraceIds: [],
    firstSeen: undefined,
    lastSeen: undefined,
    tracesProcessed: users.length,
    pages: 1,
    resumeToken: undefined,
    ...over,
  };
}

const text = (m: SlackMessage) => m.blocks.map((b) => (b.type === 'section' ? b.text.text : '')).join('\n');

describe('renderFollowUp', () => {
  it('lists users not already on the page, escaped so a username cannot mention anyone', () => {
    const message = renderFollowUp(
      enrichment([user('maria'), user('<!channel>'), user('li')]),
      new Set(['maria']),
      false,
    );
    expect(text(message)).toContain('• &lt;!channel&gt; — 1 fault / 2 requests');
    expect(text(message)).toContain('• li — 1 fault');
    expect(text(message)).not.toContain('• maria');
    expect(text(message)).toContain('every remaining trace was read');
  });

  it('says when it is still partial, and marks test alerts', () => {
    const message = renderFollowUp(
      enrichment([user('a')], { status: 'partial', reason: 'time budget used up' }),
      new Set(),
      true,
    );
    expect(message.text.startsWith('[TEST] ')).toBe(true);
    expect(text(message)).toContain('still partial: time budget used up');
  });

  it('stays inside Slack limits with thousands of users and counts the rest', () => {
    const many = Array.from({ length: 3_000 }, (_, i) =>
      user(`user-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`),
    );
    const message = renderFollowUp(enrichment(many), new Set(), false);
    expect(slackLimitViolations(message)).toEqual([]);
    const shown = (text(message).match(/^• /gm) ?? []).length;
    expect(shown).toBeGreaterThan(50);
    expect(text(message)).toContain(`+${(3_000 - shown).toLocaleString('en-US')} more users`);
    expect(
      message.blocks.reduce((n, b) => n + (b.type === 'section' ? b.text.text.length : 0), 0),
    ).toBeLessThanOrEqual(SLACK_TOTAL_TEXT_MAX);
  });
});
