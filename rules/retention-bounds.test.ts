import { describe, expect, it } from 'vitest';
import { checkRuleSet, ruleSet, ruleSetDefinition, type RuleSetInput } from '.';
import { REDELIVERY_DAYS, digestLookbackDays } from './retention-bounds';

const NOW = new Date('2026-11-23T12:00:00Z');

function problems(extra: Partial<RuleSetInput>): string[] {
  return checkRuleSet({ ...ruleSetDefinition, ...extra }, { now: NOW })
    .issues.filter((i) => i.path.startsWith('retention'))
    .map((i) => `${i.path}: ${i.message}`);
}

describe('retention in the rule set', () => {
  it('ships 90 days for incidents and 30 for usernames, and defaults to the same', () => {
    expect(ruleSet.retention).toEqual({ incidentDays: 90, usernameDays: 30 });
    const { retention: _shipped, ...rest } = ruleSetDefinition;
    expect(checkRuleSet(rest, { now: NOW }).ruleSet?.retention).toEqual({
      incidentDays: 90,
      usernameDays: 30,
    });
  });

  it('accepts the tightest settings the bounds allow', () => {
    expect(problems({ retention: { incidentDays: REDELIVERY_DAYS, usernameDays: 15 } })).toEqual([]);
    expect(
      problems({
        retention: { incidentDays: REDELIVERY_DAYS, usernameDays: 3 },
        digest: { ...ruleSetDefinition.digest, cadence: 'daily' },
      }),
    ).toEqual([]);
  });

  it('refuses an incident retention shorter than an event can come back', () => {
    expect(problems({ retention: { incidentDays: 15, usernameDays: 15 } })).toEqual([
      'retention.incidentDays: 15 days is shorter than an event can come back (16 days: dead-letter retention 14, deferral 1, retries 1); a replayed event would page again',
    ]);
  });

  it('refuses usernames kept longer than their incidents, or shorter than the digest reads back', () => {
    expect(problems({ retention: { incidentDays: 30, usernameDays: 31 } })).toEqual([
      'retention.usernameDays: 31 days outlives the incidents (incidentDays: 30)',
    ]);
    expect(problems({ retention: { incidentDays: 90, usernameDays: 14 } })).toEqual([
      'retention.usernameDays: 14 days is shorter than the weekly digest reads back (15 days); its distinct-user counts would become lower bounds',
    ]);
    expect(digestLookbackDays('daily')).toBe(3);
  });

  it('refuses what is not a whole number of days, and unknown fields', () => {
    const issues = checkRuleSet(
      { ...ruleSetDefinition, retention: { incidentDays: 0.5, usernameDays: 30, forever: true } as never },
      { now: NOW },
    ).issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(['retention.incidentDays', 'retention']));
  });
});
