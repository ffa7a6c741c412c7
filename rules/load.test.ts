import { describe, expect, it } from 'vitest';
import {
  RuleSetError,
  checkRuleSet,
  loadRuleSet,
  ruleSetDefinition,
  type RuleInput,
  type RuleSetInput,
} from '.';

const NOW = new Date('2026-11-23T12:00:00Z');

function rule(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    id: 'some-rule',
    title: 'Some rule',
    description: 'A rule for tests.',
    severity: 'ticket',
    group: { filterExpression: 'fault' },
    routes: { slack: 'alerts', email: 'digest' },
    runbookUrl: 'https://runbooks.example.com/x',
    owner: 'team',
    ...overrides,
  };
}

function set(rules: unknown[], extra: Partial<RuleSetInput> = {}): RuleSetInput {
  return {
    namePrefix: 'uia',
    routing: { slackChannels: [{ name: 'alerts' }] },
    rules: rules as RuleInput[],
    ...extra,
  };
}

function messages(input: RuleSetInput): string[] {
  return checkRuleSet(input, { now: NOW }).issues.map((i) => `${i.ruleId ?? '-'} ${i.path}: ${i.message}`);
}

describe('loadRuleSet', () => {
  it('accepts the shipped rule set and fills documented defaults', () => {
    const ruleSet = loadRuleSet(ruleSetDefinition, { now: NOW });
    expect(ruleSet.rules.map((r) => r.id)).toEqual([
      'registered-users',
      'anonymous-users',
      'slow-registered-users',
      'registered-user-faults',
    ]);
    const slow = ruleSet.rules.find((r) => r.id === 'slow-registered-users')!;
    expect(slow.group.filterExpression).toBe(
      'Annotation.username CONTAINS "" AND Annotation.username != "anonymous" and responsetime > 3',
    );
    expect(slow.alarm).toMatchObject({
      datapointsToAlarm: 1,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
    });
    expect(slow.enrichment).toMatchObject({ timeBudgetMs: 20_000, emailWaitMs: 2_000, firstLookMs: 600 });
  });

  it('defaults datapointsToAlarm to evaluationPeriods', () => {
    const r = loadRuleSet(set([rule({ alarm: { evaluationPeriods: 4 } })]));
    expect(r.rules[0]!.alarm).toMatchObject({
      evaluationPeriods: 4,
      datapointsToAlarm: 4,
      periodSeconds: 60,
    });
  });

  it('throws a RuleSetError listing every problem', () => {
    const input = set([rule({ id: 'a', runbookUrl: 'nope' }), rule({ id: 'b', routes: { slack: 'ghost' } })]);
    expect(() => loadRuleSet(input)).toThrowError(RuleSetError);
    try {
      loadRuleSet(input);
    } catch (e) {
      const err = e as RuleSetError;
      expect(err.issues.map((i) => i.ruleId)).toEqual(['a', 'b']);
      expect(err.message).toContain('2 problems');
      expect(err.message).toContain('rule "a" at runbookUrl');
      expect(err.message).toContain('rule "b" at routes.slack');
    }
  });

  describe.each<[string, RuleSetInput, string]>([
    [
      'duplicate ids',
      set([rule({ id: 'dup' }), rule({ id: 'dup' })]),
      'dup id: duplicate rule id (rules[0] and rules[1])',
    ],
    [
      'bad runbook URL',
      set([rule({ runbookUrl: 'ftp://x.example.com' })]),
      'some-rule runbookUrl: must be an http(s) URL',
    ],
    ['non-kebab id', set([rule({ id: 'Bad_Id' })]), 'Bad_Id id: must be kebab-case'],
    [
      'period not a minute multiple',
      set([rule({ alarm: { periodSeconds: 30 } })]),
      'some-rule alarm: periodSeconds 30 is not a multiple of 60',
    ],
    [
      'datapoints > evaluation periods',
      set([rule({ alarm: { evaluationPeriods: 2, datapointsToAlarm: 3 } })]),
      'some-rule alarm: datapointsToAlarm (3) cannot exceed evaluationPeriods (2)',
    ],
    [
      'evaluation range over a day',
      set([rule({ alarm: { periodSeconds: 600, evaluationPeriods: 200 } })]),
      'some-rule alarm: evaluationPeriods × periodSeconds = 120000 s exceeds',
    ],
    [
      'unknown statistic',
      set([rule({ alarm: { statistic: 'p99' as 'Sum' } })]),
      'some-rule alarm.statistic: Invalid option',
    ],
    [
      'group name too long',
      set([rule({ id: 'a-very-long-rule-id-that-goes-on-and-on' })]),
      'a-very-long-rule-id-that-goes-on-and-on id: X-Ray group name "uia--a-very-long-rule-id-that-goes-on-and-on" is 44 characters; AWS allows 32',
    ],
    [
      'more than 25 groups',
      set(Array.from({ length: 26 }, (_, i) => rule({ id: `r${i}` }))),
      '- rules: 26 rules need 26 X-Ray groups; AWS allows at most 25 per region',
    ],
    [
      'Slack channel not in routing',
      set([rule({ routes: { slack: 'ghost' } })]),
      'some-rule routes.slack: Slack channel "ghost" is not in routing.slackChannels (known: alerts)',
    ],
    [
      'silence in the past',
      set([rule({ silences: [{ until: '2026-11-01T00:00:00Z', reason: 'deploy freeze' }] })]),
      'some-rule silences[0].until: silence ended 2026-11-01T00:00:00Z',
    ],
    [
      'notifications without insights',
      set([rule({ group: { filterExpression: 'fault', insights: false, insightNotifications: true } })]),
      'some-rule group.insightNotifications: Insight notifications need `insights: true`',
    ],
    [
      'page that reaches nobody',
      set([rule({ severity: 'page', routes: { email: 'digest' } })]),
      'some-rule routes: a `page` rule must reach someone now',
    ],
    [
      'empty filter expression',
      set([rule({ group: { filterExpression: '  ' } })]),
      'some-rule group.filterExpression: a group needs a filter expression',
    ],
    [
      'unknown field',
      set([rule({ sevrity: 'page' } as Partial<RuleInput>)]),
      'some-rule : Unrecognized key: "sevrity"',
    ],
    [
      'bad time zone',
      set([rule()], { digest: { timezone: 'Mars/Olympus' } }),
      '- digest.timezone: unknown IANA time zone "Mars/Olympus"',
    ],
    [
      'bad recipient',
      set([rule()], { digest: { recipients: ['not-an-email'] } }),
      '- digest.recipients[0]: Invalid email address',
    ],
    [
      'sampling rate over 1',
      set([rule()], { sampling: [{ name: 's', priority: 1, reservoirSize: 1, fixedRate: 1.5 }] }),
      '- sampling[0].fixedRate: Too big',
    ],
  ])('%s', (_name, input, expected) => {
    it('is reported with rule id and field path', () => {
      const found = messages(input);
      expect(found.some((m) => m.startsWith(expected))).toBe(true);
    });
  });

  it('shows the column, a caret excerpt and a suggestion for a bad expression', () => {
    const found = messages(set([rule({ group: { filterExpression: 'responsetime > 3 && fault' } })]));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('group.filterExpression: does not parse: 1:18');
    expect(found[0]).toContain('^');
    expect(found[0]).toContain('did you mean: AND');
  });

  it('does not report a silence that is still running', () => {
    expect(
      messages(set([rule({ silences: [{ until: '2026-12-01T00:00:00Z', reason: 'migration' }] })])),
    ).toEqual([]);
  });

  it('skips the past-silence check without a clock (runtime: an expired silence just stops applying)', () => {
    const input = set([rule({ silences: [{ until: '2020-01-01T00:00:00Z', reason: 'old' }] })]);
    expect(() => loadRuleSet(input)).not.toThrow();
  });

  it('reports problems of several rules and of the set in one run', () => {
    const found = messages(
      set(
        [
          rule({ id: 'a', runbookUrl: 'x' }),
          rule({ id: 'b', alarm: { periodSeconds: 45 } }),
          rule({ id: 'a' }),
          rule({ id: 'c', routes: { slack: 'nowhere' } }),
        ],
        { digest: { timezone: 'Nowhere/Land' } },
      ),
    );
    expect(found).toHaveLength(5);
    expect(found.map((m) => m.slice(0, m.indexOf(':'))).sort()).toEqual([
      '- digest.timezone',
      'a id',
      'a runbookUrl',
      'b alarm',
      'c routes.slack',
    ]);
  });

  it('reports a malformed rule once, not again as a missing target of the rule that inhibits it', () => {
    const pager = rule({ id: 'pager', severity: 'page', inhibits: ['quiet'], routes: { slack: 'alerts' } });
    expect(messages(set([pager, rule({ id: 'quiet', severity: 'urgent' as never })]))).toEqual([
      'quiet severity: Invalid option: expected one of "page"|"ticket"|"info"',
    ]);
    expect(messages(set([pager]))).toEqual(['pager inhibits[0]: no rule "quiet" (known: pager)']);
  });
});
