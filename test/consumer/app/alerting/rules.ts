import { defineRule, defineRuleSet } from 'user-impact-alerting/rules';

const checkoutFaults = defineRule({
  id: 'checkout-faults',
  title: 'Checkout faults for signed-in customers',
  description: 'Signed-in customers hit server faults at checkout.',
  severity: 'page',
  group: {
    filterExpression: 'annotation.username != "anonymous" AND annotation.operation = "checkout" AND fault',
  },
  alarm: { threshold: 0 },
  routes: { slack: 'orders-oncall', email: 'immediate' },
  runbookUrl: 'https://runbooks.example.com/orders/checkout-faults',
  owner: 'orders-team',
});

export default defineRuleSet({
  namePrefix: 'orders',
  rules: [checkoutFaults],
  routing: { slackChannels: [{ name: 'orders-oncall' }] },
  digest: { recipients: ['orders-lead@example.com'] },
});
