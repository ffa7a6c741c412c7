import { describe, expect, it } from 'vitest';
import { SHOP_FUNCTIONS } from '../../infra/shop-stack';
import { ruleSet } from '../../rules';
import type { Rule } from '../../rules/schema';
import { ROUTES } from '../scenario/shop-client';
import { estimateInText, signalFigures, type RunSummary } from '../summary';
import { runChecks } from './checks';
import { nextDigestRun } from './digest-schedule';
import { expectedUsers, faultsOfIncident, faultTruths, score, type FaultTruth } from './ground-truth';
import { blocksText, threadText } from './slack-text';

const rule = (id: string): Rule => ruleSet.rules.find((r) => r.id === id)!;
const T0 = Date.parse('2026-11-22T21:00:00Z');
const MIN = 60_000;
const truth = (
  name: string,
  what: FaultTruth['what'],
  users: string[],
  anonymousRequests = 0,
): FaultTruth => ({
  name,
  what,
  span: { startMs: T0 + 5 * MIN, endMs: T0 + 11 * MIN },
  windows: [{ startMs: T0 + 5 * MIN, endMs: T0 + 11 * MIN }],
  users,
  anonymousRequests,
  requests: users.length * 6 + anonymousRequests,
});
const errors = truth('cart-errors', { kind: 'errors' }, ['fay', 'finn']);
const slowdown = truth('cart-slowdown', { kind: 'latency', ms: 3_500 }, ['sam']);
const anonymous = truth('anonymous-carts', { kind: 'errors' }, [], 40);

describe('ground truth per incident', () => {
  it("derives each rule's expected users from its own filter, the way the notifier queries", () => {
    const faults = [errors, slowdown];
    expect(expectedUsers(rule('registered-user-faults'), ['alarm', 'insight'], faults)).toEqual([
      'fay',
      'finn',
    ]);
    expect(expectedUsers(rule('slow-registered-users'), ['alarm'], faults)).toEqual(['sam']);
    // A FAULT Insight on all registered users narrows to faulted traces: the slow user is not in it.
    expect(expectedUsers(rule('registered-users'), ['insight'], faults)).toEqual(['fay', 'finn']);
    expect(expectedUsers(rule('anonymous-users'), ['insight'], faults)).toEqual([]);
    // Below the rule's 3 s threshold nobody is slow.
    const mild = truth('mild', { kind: 'latency', ms: 2_000 }, ['sam']);
    expect(expectedUsers(rule('slow-registered-users'), ['alarm'], [mild])).toEqual([]);
  });

  it('ties an incident to the faults its query sees that were on shortly before or during it', () => {
    const incident = {
      firstFiredAt: '2026-11-22T21:07:30.000Z',
      resolvedAt: '2026-11-22T21:14:00.000Z',
      sources: ['alarm' as const],
    };
    const faults = [errors, slowdown, anonymous];
    expect(faultsOfIncident(incident, rule('registered-user-faults'), faults).map((f) => f.name)).toEqual([
      'cart-errors',
    ]);
    expect(faultsOfIncident(incident, rule('slow-registered-users'), faults).map((f) => f.name)).toEqual([
      'cart-slowdown',
    ]);
    expect(
      faultsOfIncident({ ...incident, sources: ['insight'] }, rule('anonymous-users'), faults).map(
        (f) => f.name,
      ),
    ).toEqual(['anonymous-carts']);
    // An hour later, the same rule's incident answers nothing: a false page.
    const later = {
      firstFiredAt: '2026-11-22T22:30:00.000Z',
      resolvedAt: undefined,
      sources: ['alarm' as const],
    };
    expect(faultsOfIncident(later, rule('registered-user-faults'), faults)).toEqual([]);
  });

  it('takes the ground truth from the plan, counting only requests the fault proxy broke', () => {
    const population = {
      registered: [{ kind: 'registered' as const, id: 'registered-1', user: { sub: 's1', username: 'fay' } }],
      anonymous: [{ kind: 'anonymous' as const, id: 'anonymous-1' }],
      forgers: [],
      hits: new Map(),
      truth: { failing: [], slow: [] },
    };
    const request = (shopperId: string, fault?: string) => ({
      atMs: T0,
      shopperId,
      action: 'cart.add' as const,
      sampled: true,
      ...(fault ? { fault } : {}),
    });
    const requests = [
      request('registered-1', 'f'),
      request('anonymous-1', 'f'),
      request('anonymous-1', 'f'),
      request('registered-1'),
    ];
    const plan = {
      startMs: T0,
      endMs: T0 + 10 * MIN,
      faults: [
        {
          ...errors,
          name: 'f',
          description: undefined,
          who: { segment: 'everyone' as const },
          dependency: 'dynamodb' as const,
          operations: ['cart.add' as const],
          rampMs: undefined,
          probability: 1,
          activity: 0,
        },
      ],
      requests,
    };
    const [fault] = faultTruths(plan, population, (r) => r !== requests[2]);
    expect(fault).toMatchObject({ name: 'f', users: ['fay'], anonymousRequests: 1, requests: 2 });
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
      revisions: [],
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
    notified: true,
    relatedTo: undefined,
    faults: ['cart-errors'],
    estimate: undefined,
    firstPageEstimate: undefined,
    insightDropped: false,
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
  const fault = {
    name: 'cart-errors',
    what: 'errors',
    start: '2026-11-22T21:02:00.000Z',
    end: '2026-11-22T21:05:00.000Z',
    users: 2,
    someUsers: ['fay', 'finn'],
    anonymousRequests: 0,
    requests: 6,
    detectable: true,
    pages: 1,
    pagesPerIncident: 1,
    folded: [],
    onCallPages: 1,
    firstPageAfterMs: 61_000,
  };
  const facts: Omit<RunSummary, 'checks' | 'ok'> = {
    scenario: 'short',
    description: 'test',
    seed: 1,
    duplicates: 1,
    wallSeconds: 1,
    timing: [],
    samplingRate: 1,
    virtual: { start: '', faultStart: '', faultEnd: '', end: '' },
    traffic: {
      requests: 10,
      sampled: 10,
      byShopper: { registered: 5, anonymous: 3, forger: 2 },
      byStatus: { '2xx': 8, '4xx': 0, '5xx': 2 },
      slow: 0,
      forged: { sent: 2, traced: 2, annotatedAnonymous: 2, annotatedOtherwise: [] },
    },
    faults: [fault],
    groundTruth: { failing: ['fay', 'finn'], slow: [] },
    alerts: { events: 2, byType: {}, deliveries: 2, deadLettered: 0, insightsDropped: 0 },
    firstPageAfterFaultMs: 61_000,
    pages: [page],
    signal: signalFigures([fault], [page]),
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
      'pages name exactly the affected users (unless truncated)',
    ],
    ['a fault nobody paged', { faults: [{ ...fault, pages: 0 }] }, 'every fault a rule can see was paged'],
    [
      'a page that answers no fault',
      { pages: [{ ...page, faults: [] }] },
      'no false pages (every page answers a fault of the scenario)',
    ],
    [
      'an incident left open',
      { pages: [{ ...page, state: 'open' }] },
      'every incident resolved after recovery (unless X-Ray dropped the Insight that would close it)',
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
          forged: { sent: 2, traced: 2, annotatedAnonymous: 1, annotatedOtherwise: ['impostor-1'] },
        },
      },
      'forged tokens are annotated anonymous (every traced one)',
    ],
  ])('fails on %s', (_case, change, name) => {
    expect(failed({ ...facts, ...change })).toContain(name);
  });

  it('does not demand exact users from a truncated list, nor all of them under sampling', () => {
    expect(
      failed({ ...facts, pages: [{ ...page, reportedUsers: ['fay'], recall: 0.5, truncated: true }] }),
    ).not.toContain('pages name exactly the affected users (unless truncated)');
    const sampled = {
      ...facts,
      samplingRate: 0.05,
      pages: [{ ...page, reportedUsers: ['fay'], recall: 0.5 }],
    };
    expect(failed(sampled)).toEqual([]);
    // A wrong name is wrong at any sampling rate.
    expect(failed({ ...sampled, pages: [{ ...page, reportedUsers: ['mallory'], precision: 0 }] })).toContain(
      'pages name only affected users (sampled: not all of them)',
    );
  });

  it('accepts an incident with no thread of its own only when it was folded into another', () => {
    const info = {
      ...page,
      incidentId: 'i2',
      ruleId: 'registered-users',
      severity: 'info' as const,
      notified: false,
      slack: undefined,
      emails: 0,
    };
    expect(failed({ ...facts, pages: [page, info] })).toContain('one Slack thread per incident');
    const folded = {
      ...info,
      relatedTo: { kind: 'inhibited' as const, ruleId: page.ruleId, incidentId: page.incidentId },
    };
    expect(failed({ ...facts, pages: [page, folded] })).toEqual([]);
  });

  it('accepts an incident left open only when X-Ray dropped the Insight that would have closed it', () => {
    expect(failed({ ...facts, pages: [{ ...page, state: 'open', insightDropped: true }] })).toEqual([]);
  });
});

describe('estimate as a page says it', () => {
  it('reads the figure back from the page text, thousands separators and all', () => {
    expect(
      estimateInText(
        '*Affected:* 6 registered users seen, about 1,190 affected (95 %: 1,150–1,240); 2 anonymous requests',
      ),
    ).toEqual({
      seen: 6,
      estimate: 1_190,
      low: 1_150,
      high: 1_240,
    });
    expect(estimateInText('1 registered user seen, about 1 affected; 0 anonymous requests')).toEqual({
      seen: 1,
      estimate: 1,
      low: 1,
      high: 1,
    });
    expect(estimateInText('*Affected:* 5 registered users and 0 anonymous requests')).toBeUndefined();
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
