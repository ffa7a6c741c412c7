import { defineRule } from '../define';

/** Seed group "SlowRegisteredUsers" and its alarm: any signed-in request over 3 s in a minute. */
export default defineRule({
  id: 'slow-registered-users',
  title: 'Slow responses for registered shoppers',
  description: 'Signed-in shoppers waited more than 3 seconds for a cart response.',
  severity: 'ticket',
  group: {
    filterExpression:
      'Annotation.username CONTAINS "" AND Annotation.username != "anonymous" and responsetime > 3',
    insights: false,
    insightNotifications: false,
  },
  alarm: {
    statistic: 'Sum',
    periodSeconds: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  },
  routes: { slack: 'shop-alerts', email: 'digest' },
  runbookUrl: 'https://runbooks.example.com/shop/slow-registered-users',
  owner: 'shop-team',
});
