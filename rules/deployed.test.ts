import { describe, expect, it } from 'vitest';
import { ruleSet } from '.';
import { DEPLOYED_RULE_SET_FORMAT, parseDeployedRuleSet, serializeRuleSet } from './deployed';
import { RuleSetError } from './errors';

describe('deployed rule set', () => {
  it('round-trips a validated rule set unchanged', () => {
    expect(parseDeployedRuleSet(serializeRuleSet(ruleSet))).toEqual(ruleSet);
  });

  it('refuses another format, with the one it reads', () => {
    const text = JSON.stringify({ format: 'user-impact-alerting/rule-set@2', ruleSet });
    expect(() => parseDeployedRuleSet(text)).toThrow(DEPLOYED_RULE_SET_FORMAT);
    expect(() => parseDeployedRuleSet('{"rules": []}')).toThrow(/not a deployed rule set/);
    expect(() => parseDeployedRuleSet('{')).toThrow(/not JSON/);
  });

  it('validates again: a hand-edited file lists every problem', () => {
    const edited = JSON.parse(serializeRuleSet(ruleSet)) as { ruleSet: { rules: Record<string, unknown>[] } };
    edited.ruleSet.rules[0]!['runbookUrl'] = 'ftp://nowhere';
    edited.ruleSet.rules[1]!['severity'] = 'urgent';
    let error: unknown;
    try {
      parseDeployedRuleSet(JSON.stringify(edited));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RuleSetError);
    expect((error as RuleSetError).issues.map((i) => i.path)).toEqual(['runbookUrl', 'severity']);
  });
});
