/**
 * The public construct in an app of someone else's: their rule set, their prefix, both nag packs.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { defineRule, defineRuleSet } from '../rules/define';
import { RuleSetError } from '../rules/errors';
import type { RuleSetInput } from '../rules/schema';
import { addNagPacks } from './nag';
import { UserImpactAlerting } from './user-impact-alerting';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const checkoutFaults = defineRule({
  id: 'checkout-faults',
  title: 'Checkout fails for signed-in customers',
  description: 'Checkout requests of verified users ended in a 5xx.',
  severity: 'page',
  group: { filterExpression: 'annotation.username != "anonymous" AND fault' },
  alarm: { evaluationPeriods: 3, datapointsToAlarm: 2 },
  routes: { slack: 'payments-oncall', email: 'immediate' },
  runbookUrl: 'https://runbooks.example.com/checkout-faults',
  owner: 'payments',
});

const rules = defineRuleSet({
  namePrefix: 'pay',
  rules: [checkoutFaults],
  routing: { slackChannels: [{ name: 'payments-oncall' }] },
});

function consumerApp(ruleSet: RuleSetInput, options: { bundle?: boolean } = {}) {
  const app = new App(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } });
  addNagPacks(app);
  const stack = new Stack(app, 'Payments', { env: { account: '210987654321', region: 'eu-central-1' } });
  const alerting = new UserImpactAlerting(stack, 'Alerting', {
    rules: ruleSet,
    opsEmails: ['ops@example.com'],
  });
  return { app, stack, alerting };
}

describe('UserImpactAlerting in a consumer app', () => {
  it('creates the rule’s group and alarm under the consumer’s prefix, and passes both nag packs', () => {
    const { app, stack, alerting } = consumerApp(rules);
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::XRay::Group', { GroupName: 'pay--checkout-faults' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'pay--checkout-faults--trace-count',
    });
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'pay-test-alerts' });
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    expect(alerting.ruleSet.rules[0]?.enrichment.topUsers).toBe(20);
    expect(alerting.slackTokenSecret.secretName).toBe('pay/slack-bot-token');
  });

  it('fails synth with every problem of a bad rule set listed', () => {
    const bad = defineRuleSet({
      namePrefix: 'pay',
      rules: [
        { ...checkoutFaults, runbookUrl: 'not a url' },
        { ...checkoutFaults, id: 'checkout-slow', routes: { slack: 'nowhere' } },
      ],
      routing: { slackChannels: [{ name: 'payments-oncall' }] },
    });
    let error: unknown;
    try {
      consumerApp(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RuleSetError);
    const message = (error as Error).message;
    expect(message).toContain('2 problems');
    expect(message).toContain('rule "checkout-faults" at runbookUrl');
    expect(message).toContain('rule "checkout-slow" at routes.slack: Slack channel "nowhere"');
  });

  it(
    'a rule change replaces the rule-set layer and leaves the function code as it was',
    { timeout: 120_000 },
    () => {
      const codeAndLayer = (ruleSet: RuleSetInput) => {
        const { app, stack } = consumerApp(ruleSet, { bundle: true });
        app.synth();
        const template = Template.fromStack(stack);
        const code = Object.values(template.findResources('AWS::Lambda::Function') as Resources)
          .map((fn) => (fn.Properties.Code as { S3Key: string }).S3Key)
          .sort();
        const layer = Object.values(template.findResources('AWS::Lambda::LayerVersion') as Resources).map(
          (l) => (l.Properties.Content as { S3Key: string }).S3Key,
        );
        return { code, layer };
      };
      const before = codeAndLayer(rules);
      const after = codeAndLayer({
        ...rules,
        rules: [{ ...checkoutFaults, alarm: { evaluationPeriods: 5 } }],
      });
      expect(after.code).toEqual(before.code);
      expect(after.layer).not.toEqual(before.layer);
    },
  );
});
