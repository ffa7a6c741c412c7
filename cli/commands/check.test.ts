import { afterEach, describe, expect, it, vi } from 'vitest';
import { ruleSetDefinition, type RuleInput, type RuleSetInput } from '../../rules';
import { run } from './check';

const now = new Date('2026-11-23T00:00:00Z');

describe('rules check', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints every rule with its derived group and alarm names', async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await run([], { definition: ruleSetDefinition, now })).toBe(0);
    const text = out.mock.calls.map((c) => String(c[0])).join('\n');
    expect(text).toContain('✓ 4 rules valid');
    expect(text).toMatch(
      /registered-user-faults\s+page\s+uia--registered-user-faults\s+uia--registered-user-faults--trace-count/,
    );
    expect(text).toContain('slow-registered-users: Annotation.username CONTAINS "" AND');
    expect(text).toContain('Test alerts: #shop-alert-tests, at most 6 per rule per hour');
    expect(text).toContain("Event accounts: this deployment's");
    expect(text).toContain(
      'Retention: incidents 90 days after they resolve (open ones never expire), usernames 30 days after they were recorded',
    );
  });

  it('refuses a retention that would lose what something still reads, saying what and why', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const broken: RuleSetInput = { ...ruleSetDefinition, retention: { incidentDays: 7, usernameDays: 10 } };
    expect(await run([], { definition: broken, now })).toBe(1);
    const text = err.mock.calls.map((c) => String(c[0])).join('\n');
    expect(text).toContain('✗ 3 problems');
    expect(text).toContain(
      'retention.incidentDays: 7 days is shorter than an event can come back (16 days: dead-letter retention 14, deferral 1, retries 1); a replayed event would page again',
    );
    expect(text).toContain('retention.usernameDays: 10 days outlives the incidents (incidentDays: 7)');
    expect(text).toContain(
      'retention.usernameDays: 10 days is shorter than the weekly digest reads back (15 days)',
    );
    expect(out).not.toHaveBeenCalled();

    err.mockClear();
    const malformed = {
      ...ruleSetDefinition,
      retention: { incidentDays: 0, usernameDays: '30', keepForever: true },
    } as unknown as RuleSetInput;
    expect(await run([], { definition: malformed, now })).toBe(1);
    const shape = err.mock.calls.map((c) => String(c[0])).join('\n');
    expect(shape).toMatch(/retention\.incidentDays.*>=\s*1|retention\.incidentDays.*too small/i);
    expect(shape).toMatch(/retention\.usernameDays.*number/i);
    expect(shape).toMatch(/keepForever/);
  });

  it('refuses a test channel missing from routing and a cross-account source listed twice or malformed', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken: RuleSetInput = {
      ...ruleSetDefinition,
      testAlerts: { slackChannel: 'nowhere-tests' },
      accounts: { additionalEventSources: ['210987654321', '210987654321'] },
    };
    expect(await run([], { definition: broken, now })).toBe(1);
    const text = err.mock.calls.map((c) => String(c[0])).join('\n');
    expect(text).toContain('testAlerts.slackChannel');
    expect(text).toContain('Slack channel "nowhere-tests" is not in routing.slackChannels');
    expect(text).toContain('account 210987654321 is listed twice');

    err.mockClear();
    const malformed: RuleSetInput = { ...ruleSetDefinition, accounts: { additionalEventSources: ['12345'] } };
    expect(await run([], { definition: malformed, now })).toBe(1);
    expect(err.mock.calls.map((c) => String(c[0])).join('\n')).toContain('an AWS account id is 12 digits');
  });

  it('lists every problem and exits 1', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken: RuleSetInput = {
      ...ruleSetDefinition,
      rules: [
        ...ruleSetDefinition.rules,
        { ...(ruleSetDefinition.rules[0] as RuleInput), runbookUrl: 'not a url' },
        {
          ...(ruleSetDefinition.rules[1] as RuleInput),
          id: 'x',
          routes: { slack: 'nowhere', email: 'none' },
        },
      ],
    };
    expect(await run([], { definition: broken, now })).toBe(1);
    const text = err.mock.calls.map((c) => String(c[0])).join('\n');
    expect(text).toContain('✗ 3 problems');
    expect(text).toContain('rule "registered-users" at id: duplicate rule id (rules[0] and rules[4])');
    expect(text).toContain('rule "registered-users" at runbookUrl: must be an http(s) URL');
    expect(text).toContain(
      'rule "x" at routes.slack: Slack channel "nowhere" is not in routing.slackChannels',
    );
  });
});
