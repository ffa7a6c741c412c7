import { defineRule } from '../define';

/** Seed group "AnonymousUsers", with Insights and notifications on as in the tutorial. */
export default defineRule({
  id: 'anonymous-users',
  title: 'Anonymous shoppers',
  description: 'All requests from shoppers who are not signed in (or whose token did not verify).',
  severity: 'info',
  group: {
    filterExpression: 'Annotation.username = "anonymous"',
    insights: true,
    insightNotifications: true,
  },
  routes: { slack: 'shop-alerts', email: 'digest' },
  runbookUrl: 'https://runbooks.example.com/shop/anonymous-users',
  owner: 'shop-team',
});
