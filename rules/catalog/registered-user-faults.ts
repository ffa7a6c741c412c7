import { defineRule } from '../define';

/**
 * The paging rule the seed lacks: server faults that hit signed-in shoppers. Two of the
 * last three minutes must see a fault, so one stray error does not wake anyone at 3 a.m.
 */
export default defineRule({
  id: 'registered-user-faults',
  title: 'Faults for registered shoppers',
  description: 'Requests from signed-in shoppers failed with a server fault (5xx).',
  severity: 'page',
  group: {
    filterExpression: 'annotation.username CONTAINS "" AND annotation.username != "anonymous" AND fault',
    insights: true,
    insightNotifications: true,
  },
  alarm: {
    statistic: 'Sum',
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  },
  routes: { slack: 'shop-oncall', email: 'immediate' },
  runbookUrl: 'https://runbooks.example.com/shop/registered-user-faults',
  enrichment: { topUsers: 20 },
  // The info rule over the same shoppers' traces speaks of the same fault: one thread.
  inhibits: ['registered-users'],
  // Wake someone for three shoppers or more; fewer is a ticket in the same channel.
  impact: { pageWhen: { registeredUsersAtLeast: 3 }, otherwise: 'ticket' },
  owner: 'shop-team',
});
