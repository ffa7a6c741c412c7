import { defineRule } from '../define';

/** Seed group "RegisteredUsers": every trace of a signed-in shopper. Feeds the digest, pages nobody. */
export default defineRule({
  id: 'registered-users',
  title: 'Registered shoppers',
  description:
    'All requests from signed-in shoppers. The `CONTAINS ""` clause matches only traces that carry the username annotation at all.',
  severity: 'info',
  group: {
    filterExpression: 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous"',
    insights: true,
    insightNotifications: true,
  },
  routes: { slack: 'shop-alerts', email: 'digest' },
  runbookUrl: 'https://runbooks.example.com/shop/registered-users',
  owner: 'shop-team',
});
