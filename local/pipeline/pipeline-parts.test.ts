import { describe, expect, it } from 'vitest';
import { SHOP_FUNCTIONS } from '../../infra/shop-stack';
import { ruleSet } from '../../rules';
import type { Rule } from '../../rules/schema';
import { ROUTES } from '../scenario/shop-client';
import type { RunSummary } from '../summary';
import { runChecks } from './checks';
import { nextDigestRun } from './digest-schedule';
import { expectedUsers, score } from './ground-truth';
import { blocksText, threadText } from './slack-text';

const rule = (id: string): Rule => ruleSet.rules.find((r) => r.id === id)!;
const truth = {
  failing: [
    { sub: 'f1', username: 'fay' },
    { sub: 'f2', username: 'finn' },
  ],
  slow: [{ sub: 's1', username: 'sam' }],
};

describe('ground truth per incident', () => {
  it("derives each rule's expected users from its own filter, the way the notifier queries", () => {
    expect(expectedUsers(rule('registered-user-faults'), ['alarm', 'insight'], truth, 3_500)).toEqual([
      'fay',
      'finn',
    ]);
    expect(expectedUsers(rule('slow-registered-users'), ['alarm'], truth, 3_500)).toEqual(['sam']);
    // A FAULT Insight on all registered users narrows to faulted traces: the slow user is not in it.
    expect(expectedUsers(rule('registered-users'), ['insight'], truth, 3_500)).toEqual(['fay', 'finn']);
    expect(expectedUsers(rule('anonymous-users'), ['insight'], truth, 3_500)).toEqual([]);
    // Below the rule's 3 s threshold nobody is slow.
    expect(expectedUsers(rule('slow-registered-users'), ['alarm'], truth, 2_000)).toEqual([]);
  });

  it('scores precision and recall as numbers', () => {
    expect(score(['fay', 'finn'], ['fay', 'finn'])).toEqual({ precision: 1, recall: 1 });
    expect(score(['fay', 'mallory'], ['fay', 'finn'])).toEqual({ precision: 0.5, recall: 0.5 });
    expect(score([], ['fay'])).toEqual({ precision: 1, recall: 0 });
    expect(score([], [])).toEqual({ precision: 1, recall: 1 });
  });
});

describe('digest schedule', () => {
  it('finds the next Monday 08:00 in London, in winter and in summer time', () => {
    const digest = ruleSet.digest;
    expect(nextDigestRun(new Date('2026-11-22T21:20:00Z'), digest).toISOString()).toBe(
      '2026-11-23T08:00:00.000Z',
    );
    expect(nextDigestRun(new Date('2026-06-01T07:30:00Z'), digest).toISOString()).toBe(
      '2026-06-08T07:00:00.000Z',
    );
    expect(
      nextDigestRun(new Date('2026-11-23T08:00:00Z'), { ...digest, cadence: 'daily' }).toISOString(),
    ).toBe('2026-11-24T08:00:00.000Z');
  });
});

describe('Slack text', () => {
  it('flattens blocks and threads the way a reader sees them', () => {
    expect(
      blocksText([
        { type: 'header', text: { type: 'plain_text', text: 'FIRING' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*fay*' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'ALARM -&gt; OK for &amp;lt;!channel&amp;gt;' } },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'a' },
            { type: 'mrkdwn', text: 'b' },
          ],
        },
        { type: 'divider' },
      ]),
    ).toEqual(['== FIRING ==', '*fay*', 'ALARM -> OK for &lt;!channel&gt;', 'a · b', '----']);
    const message = {
      channel: 'C1',
      text: 'fallback',
      blocks: undefined,
      threadTs: undefined,
      replyBroadcast: false,
      editedTs: undefined,
    };
    expect(
      threadText([
        { ...message, ts: '1.0', updates: 1 },
        { ...message, ts: '2.0', updates: 0 },
      ]),
    ).toBe('[1.0] (edited 1×)\nfallback\n\n  ↳ reply [2.0]\n    fallback');
  });
});

describe('run checks', () => {
  const page = {
    incidentId: 'i1',
    ruleId: 'registered-user-faults',
    severity: 'page' as const,
    kind: 'alarm',
    state: 'resolved' as const,
    reportedUsers: ['fay', 'finn'],
    trueUsers: ['fay', 'finn'],
    precision: 1,
    recall: 1,
    truncated: false,
    partial: false,
    firstFiredAt: '2026-11-22T21:03:00.000Z',
    pagedAt: '2026-11-22T21:03:01.000Z',
    resolvedAt: '2026-11-22T21:07:00.000Z',
    slack: {
      channel: 'C1',
      rootTs: '1.0',
      replies: 2,
      rootUpdated: true,
      rootSaysResolved: true,
      usersMissingFromText: [],
    },
    emails: 1,
  };
  const facts: Omit<RunSummary, 'checks' | 'ok'> = {
    scenario: 'short',
    seed: 1,
    duplicates: 1,
    wallSeconds: 1,
    virtual: { start: '', faultStart: '', faultEnd: '', end: '' },
    traffic: {
      requests: 10,
      byShopper: { registered: 5, anonymous: 3, forger: 2 },
      byStatus: { '2xx': 8, '4xx': 0, '5xx': 2 },
      slow: 0,
      forged: { sent: 2, annotatedAnonymous: 2, annotatedOtherwise: [] },
    },
    groundTruth: { failing: ['fay', 'finn'], slow: [] },
    alerts: { events: 2, byType: {}, deliveries: 2, deadLettered: 0 },
    firstPageAfterFaultMs: 61_000,
    pages: [page],
    emails: { total: 1, byRule: { 'registered-user-faults': 1 } },
    slack: { mode: 'local', threads: 1, topLevelByChannel: { C1: 1 } },
    digest: { present: true, subject: 'digest', error: undefined },
  };
  const failed = (f: typeof facts) =>
    runChecks(f, ruleSet)
      .filter((c) => !c.ok)
      .map((c) => c.name);

  it('passes a run that did everything', () => {
    expect(failed(facts)).toEqual([]);
  });

  it.each<[string, Partial<typeof facts>, string]>([
    [
      'a wrong user',
      { pages: [{ ...page, reportedUsers: ['fay', 'mallory'], precision: 0.5, recall: 0.5 }] },
      'pages name exactly the injected users (unless truncated)',
    ],
    [
      'a second root in the channel',
      { slack: { mode: 'local', threads: 1, topLevelByChannel: { C1: 2 } } },
      'one Slack thread per incident',
    ],
    [
      'a root never updated',
      { pages: [{ ...page, slack: { ...page.slack, rootUpdated: false } }] },
      'each resolved incident has its root message updated to resolved',
    ],
    [
      'a duplicate email',
      { emails: { total: 2, byRule: { 'registered-user-faults': 2 } } },
      'one email per incident of each paging rule, none for the others',
    ],
    ['no digest', { digest: { present: false, subject: undefined, error: undefined } }, 'a digest was sent'],
    [
      'a trusted forgery',
      {
        traffic: {
          ...facts.traffic,
          forged: { sent: 2, annotatedAnonymous: 1, annotatedOtherwise: ['impostor-1'] },
        },
      },
      'forged tokens are annotated anonymous',
    ],
  ])('fails on %s', (_case, change, name) => {
    expect(failed({ ...facts, ...change })).toContain(name);
  });

  it('does not demand exact users from a truncated list', () => {
    expect(
      failed({ ...facts, pages: [{ ...page, reportedUsers: ['fay'], recall: 0.5, truncated: true }] }),
    ).not.toContain('pages name exactly the injected users (unless truncated)');
  });
});

describe('shop routes', () => {
  it('match the API the shop stack deploys (method, path, entry)', () => {
    const deployed = SHOP_FUNCTIONS.map((f) => `${f.method} ${f.path} ${f.entry}`).sort();
    const local = [
      ...new Set(Object.values(ROUTES).map((r) => `${r.method} ${r.resource} ${r.entry}`)),
    ].sort();
    expect(local).toEqual(deployed);
  });
});
