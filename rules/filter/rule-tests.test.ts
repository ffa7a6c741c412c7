import { describe, expect, it } from 'vitest';
import { formatRuleTestReport } from './report';
import { parseRuleTestSuite, runRuleTests, type RuleTestSuite } from './rule-tests';

const RULES = [
  {
    id: 'registered-users',
    filterExpression: 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous"',
  },
  { id: 'anonymous-users', filterExpression: 'Annotation.username = "anonymous"' },
];

function suite(data: unknown, name = 'suite.yaml'): RuleTestSuite {
  const parsed = parseRuleTestSuite(name, data);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.suite;
}

describe('parseRuleTestSuite', () => {
  it('builds traces from compact input, naming them after the fixture', () => {
    const s = suite({
      traces: [{ name: 'alice', trace: { annotations: { username: 'alice' } }, match: ['registered-users'] }],
    });
    expect(s.traces[0]).toMatchObject({ name: 'alice', match: ['registered-users'], noMatch: [] });
    expect(s.traces[0]!.trace).toMatchObject({
      id: 'alice',
      annotations: { username: ['alice'] },
      fault: false,
    });
  });

  it.each([
    [{ traces: [] }, 'traces'],
    [{ traces: [{ name: 'a', trace: {} }] }, 'list at least one rule id'],
    [
      { traces: [{ name: 'a', trace: {}, match: ['x'], noMatch: ['x'] }] },
      'rule "x" is under both match and noMatch',
    ],
    [
      {
        traces: [
          { name: 'a', trace: {}, match: ['x'] },
          { name: 'a', trace: {}, match: ['x'] },
        ],
      },
      'traces.1.name: duplicate trace name "a"',
    ],
    [{ traces: [{ name: 'a', trace: { responsetime: 3 }, match: ['x'] }] }, 'traces.0.trace'],
    [{ traces: [{ name: 'a', trace: {}, matches: ['x'] }] }, 'matches'],
  ])('rejects %j with "%s"', (data, fragment) => {
    const parsed = parseRuleTestSuite('bad.yaml', data);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.join('\n')).toContain(fragment);
    expect(parsed.errors[0]).toMatch(/^bad\.yaml: /);
  });
});

describe('runRuleTests', () => {
  const fixtures = suite({
    traces: [
      {
        name: 'alice',
        trace: { annotations: { username: 'alice' } },
        match: ['registered-users'],
        noMatch: ['anonymous-users'],
      },
      { name: 'lost', trace: { fault: true }, noMatch: ['registered-users', 'anonymous-users'] },
    ],
  });

  it('passes when every expectation holds', () => {
    const report = runRuleTests(RULES, [fixtures]);
    expect(report).toMatchObject({
      ok: true,
      passed: 4,
      failed: 0,
      suites: 1,
      traces: 2,
      uncoveredRules: [],
    });
    expect(report.cases.map((c) => [c.trace, c.ruleId, c.actual])).toEqual([
      ['alice', 'registered-users', 'match'],
      ['alice', 'anonymous-users', 'no-match'],
      ['lost', 'registered-users', 'no-match'],
      ['lost', 'anonymous-users', 'no-match'],
    ]);
  });

  it('carries expected vs actual and the explanation for a failure', () => {
    const wrong = suite({ traces: [{ name: 'lost', trace: { fault: true }, match: ['registered-users'] }] });
    const report = runRuleTests(RULES, [wrong]);
    expect(report.ok).toBe(false);
    expect(report.failures).toHaveLength(1);
    const [failure] = report.failures;
    expect(failure).toMatchObject({
      expected: 'match',
      actual: 'no-match',
      pass: false,
      ruleId: 'registered-users',
    });
    expect(failure!.explain?.children[0]?.why).toBe('annotation "username" is absent');
    expect(report.uncoveredRules).toEqual(['anonymous-users']);
  });

  it('prints a failure as a diff with the explanation, then a summary line', () => {
    const wrong = suite(
      { traces: [{ name: 'lost', trace: { fault: true }, match: ['registered-users'] }] },
      'users.yaml',
    );
    const text = formatRuleTestReport(runRuleTests(RULES, [wrong]));
    expect(text).toBe(
      [
        'FAIL users.yaml › lost › registered-users',
        '  expression: Annotation.username CONTAINS "" AND Annotation.username != "anonymous"',
        '  - expected: match',
        '  + actual:   no match',
        '  why:',
        '    ✗ AND: false (2 of 2 clauses false)',
        '      ✗ Annotation.username CONTAINS "": false (annotation "username" is absent)',
        '      ✗ Annotation.username != "anonymous": false (annotation "username" is absent)',
        '',
        'rule tests FAILED: 0 passed, 1 failed, 1 suite(s), 1 trace(s); rules without tests: anonymous-users',
      ].join('\n'),
    );
  });

  it('fails an expectation the filter cannot decide offline, saying so', () => {
    const rules = [{ id: 'grouped', filterExpression: 'group.name = "slow"' }];
    const report = runRuleTests(rules, [suite({ traces: [{ name: 't', trace: {}, noMatch: ['grouped'] }] })]);
    expect(report.failures[0]).toMatchObject({ actual: 'unknown', pass: false });
    expect(formatRuleTestReport(report)).toContain('+ actual:   unknown (cannot be decided offline');
  });

  it('reports an unknown rule id with a suggestion', () => {
    const report = runRuleTests(RULES, [
      suite({ traces: [{ name: 't', trace: {}, noMatch: ['registred-users'] }] }),
    ]);
    expect(report.failures[0]).toMatchObject({
      actual: 'unknown-rule',
      note: 'no rule with id "registred-users"; did you mean "registered-users"?',
    });
  });

  it('reports a rule that does not parse, with every error, and fails its cases', () => {
    const rules = [{ id: 'broken', filterExpression: 'annotaton.username = "x" && fault' }];
    const report = runRuleTests(rules, [suite({ traces: [{ name: 't', trace: {}, noMatch: ['broken'] }] })]);
    expect(report.ok).toBe(false);
    expect(report.ruleErrors[0]!.errors.map((e) => e.suggestion)).toEqual(['annotation.username', 'AND']);
    expect(report.failures[0]!.actual).toBe('rule-error');
    expect(formatRuleTestReport(report)).toMatch(/^RULE broken does not parse: annotaton\.username/);
  });
});
