/**
 * Where a test alert may page. The rule a test names is matched as usual; its routes are then
 * replaced, so every later stage (plan, deliver, record) treats the test like any page and the
 * choice lives here, in one table:
 *
 * | asked for (`fire` flags)   | Slack                                     | on-call email                          |
 * |----------------------------|-------------------------------------------|----------------------------------------|
 * | nothing (default)          | the rule set's test channel, if any       | no                                     |
 * | `--rule-route`             | the rule's own channel                    | no                                     |
 * | `--email`                  | (as above)                                | only if the rule itself mails on-call  |
 *
 * A drill therefore never wakes on-call unless its sender asked for exactly that, and `--email`
 * cannot make a digest-only rule mail on-call.
 */
import type { Rule, TestAlertsConfig } from '../../rules/schema';
import type { TestDetails } from './alert';

export function testAlertRule(rule: Rule, test: TestDetails, config: TestAlertsConfig): Rule {
  return {
    ...rule,
    routes: {
      slack: test.route === 'rule' ? rule.routes.slack : config.slackChannel,
      email: test.email && rule.routes.email === 'immediate' ? 'immediate' : 'none',
    },
  };
}
