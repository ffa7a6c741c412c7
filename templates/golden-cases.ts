/**
 * Page inputs for the golden files and the rendering tests: a small representative set built
 * by hand (not from the notifier) so templates stay testable on their own. Times are fixed
 * and `now` is an input, so the output is byte-stable.
 */
import type { PageAlert, PageEnrichment, PageInput, PageRule, PageUser } from './page-input';

export const NOW = new Date('2024-01-01T12:30:00Z');

export const faultsRule: PageRule = {
  id: 'registered-user-faults',
  title: 'Faults for registered shoppers',
  severity: 'page',
  runbookUrl: 'https://runbooks.example.com/shop/registered-user-faults',
  owner: 'shop-team',
  group: {
    filterExpression: 'annotation.username CONTAINS "" AND annotation.username != "anonymous" AND fault',
    insights: true,
    insightNotifications: true,
  },
};

const TRACE = (n: number) => `1-65929f40-${n.toString(16).padStart(24, '0')}`;

export function user(
  username: string,
  faults: number,
  requests: number,
  n = faults * 1000 + requests,
): PageUser {
  return { username, faults, requests, slowestSeconds: 0.25 + (n % 7) * 0.5, exampleTraceId: TRACE(n) };
}

export const firingAlarm: PageAlert = {
  kind: 'alarm',
  state: 'firing',
  ruleId: 'registered-user-faults',
  eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  region: 'us-east-1',
  account: '123456789012',
  changedAt: new Date('2024-01-01T12:04:40.989Z'),
  window: { start: new Date('2024-01-01T12:01:00Z'), end: undefined },
  title: 'uia--registered-user-faults--trace-count',
  reason:
    'Threshold Crossed: 2 out of the last 3 datapoints [4.0 (01/01/24 12:03:00), 1.0 (01/01/24 12:02:00)] were greater than the threshold (0.0) (minimum 2 datapoints for OK -> ALARM transition).',
  impact: undefined,
  rootCauseService: undefined,
  links: {
    alarm:
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/uia--registered-user-faults--trace-count',
    traces: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#xray:traces/query',
  },
};

export const completeEnrichment: PageEnrichment = {
  status: 'complete',
  reason: undefined,
  query: { filterExpression: faultsRule.group.filterExpression },
  users: [
    user('maria.garcia', 4, 9),
    user('li.wei', 3, 3),
    user('sam', 1, 12),
    user('olu', 1, 2),
    user('kim', 1, 1),
  ],
  distinctUsers: 5,
  distinctUsersCapped: false,
  overflowRequests: 0,
  anonymousRequests: 3,
  unattributedTraces: 2,
  totalTraces: 32,
  faults: 10,
  rootCauses: [{ kind: 'fault', service: 'cart-table', type: 'AWS::DynamoDB::Table', traces: 9 }],
  exampleTraceIds: [TRACE(4009), TRACE(3003), TRACE(1012)],
};

const insightUpdate: PageAlert = {
  kind: 'insight',
  state: 'updated',
  ruleId: 'registered-user-faults',
  eventId: '11111111-2222-3333-4444-555555555556',
  region: 'us-east-1',
  account: '123456789012',
  changedAt: new Date('2024-01-01T12:25:00Z'),
  window: { start: new Date('2024-01-01T12:00:00Z'), end: undefined },
  title: "Fault rate of registered shoppers' cart requests is higher than expected",
  reason: 'Fault rate is still higher than expected; impact grew to 180 faulted requests',
  impact: { client: { faultCount: 180, totalCount: 3000 } },
  rootCauseService: { name: 'cart-table', type: 'AWS::DynamoDB::Table' },
  links: {
    insight:
      'https://us-east-1.console.aws.amazon.com/xray/home?region=us-east-1#/insights/8a0b3c2d-1e4f-4a5b-9c6d-7e8f9a0b1c2d',
    traces: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#xray:traces/query',
  },
};

export interface GoldenCase {
  name: string;
  input: PageInput;
}

export const goldenCases: GoldenCase[] = [
  {
    name: 'firing-alarm-with-users',
    input: {
      alert: firingAlarm,
      rule: faultsRule,
      enrichment: completeEnrichment,
      samplingRate: 1,
      now: NOW,
    },
  },
  {
    name: 'insight-update',
    input: {
      alert: insightUpdate,
      rule: faultsRule,
      enrichment: {
        ...completeEnrichment,
        query: { filterExpression: `(${faultsRule.group.filterExpression}) AND fault` },
        distinctUsers: 41,
        anonymousRequests: 17,
        unattributedTraces: 0,
      },
      samplingRate: 0.05,
      now: NOW,
    },
  },
  {
    name: 'resolved',
    input: {
      alert: {
        ...firingAlarm,
        state: 'resolved',
        eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a93',
        changedAt: new Date('2024-01-01T12:24:40.987Z'),
        window: { start: new Date('2024-01-01T12:04:40.989Z'), end: new Date('2024-01-01T12:24:40.987Z') },
        reason:
          'Threshold Crossed: 3 out of the last 3 datapoints [0.0 (01/01/24 12:23:00), 0.0 (01/01/24 12:22:00), 0.0 (01/01/24 12:21:00)] were not greater than the threshold (0.0) (minimum 3 datapoints for ALARM -> OK transition).',
      },
      rule: faultsRule,
      enrichment: completeEnrichment,
      now: NOW,
    },
  },
  {
    name: 'partial-enrichment',
    input: {
      alert: firingAlarm,
      rule: faultsRule,
      enrichment: {
        ...completeEnrichment,
        status: 'partial',
        reason: 'time budget (4000 ms) used up after 3 pages',
        users: Array.from({ length: 20 }, (_, i) =>
          user(`shopper-${String(i + 1).padStart(3, '0')}`, 20 - i, 30 - i),
        ),
        distinctUsers: 140,
        anonymousRequests: 55,
        unattributedTraces: 0,
      },
      now: NOW,
    },
  },
  {
    name: 'sampled-estimate',
    input: {
      alert: firingAlarm,
      rule: faultsRule,
      enrichment: {
        ...completeEnrichment,
        users: [user('ines.patel', 2, 2), user('jonas.wong', 1, 1), user('kemi.ito', 1, 1)],
        distinctUsers: 6,
        anonymousRequests: 4,
        unattributedTraces: 0,
        estimate: { seen: 6, estimate: 190, low: 150, high: 240 },
      },
      samplingRate: 0.05,
      now: NOW,
    },
  },
  {
    name: 'enrichment-failed',
    input: {
      alert: firingAlarm,
      rule: faultsRule,
      enrichment: {
        ...completeEnrichment,
        status: 'failed',
        reason:
          'X-Ray GetTraceSummaries failed: AccessDeniedException: not authorized to perform xray:GetTraceSummaries',
        users: [],
        distinctUsers: 0,
        anonymousRequests: 0,
        unattributedTraces: 0,
        totalTraces: 0,
        faults: 0,
        rootCauses: [],
        exampleTraceIds: [],
      },
      now: NOW,
    },
  },
  {
    name: 'test-alert',
    input: {
      alert: {
        ...firingAlarm,
        kind: 'test',
        eventId: '5c1d7b9e-0000-4000-8000-000000000001',
        region: 'eu-west-1',
        changedAt: new Date('2024-01-01T12:29:00Z'),
        window: { start: new Date('2024-01-01T12:29:00Z'), end: undefined },
        title: 'Test alert for rule registered-user-faults',
        reason: 'Drill: checking the on-call route',
        links: {
          traces:
            'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/query',
        },
      },
      rule: faultsRule,
      enrichment: {
        ...completeEnrichment,
        users: [],
        distinctUsers: 0,
        anonymousRequests: 0,
        unattributedTraces: 0,
        exampleTraceIds: [],
        rootCauses: [],
      },
      now: NOW,
    },
  },
  {
    name: 'mention-injection',
    input: {
      alert: {
        ...firingAlarm,
        reason:
          'Threshold crossed <!channel> <@U024BE7LH> <https://evil.example/login|Open the runbook> & friends',
      },
      rule: faultsRule,
      enrichment: {
        ...completeEnrichment,
        users: [
          user('<!channel>', 5, 5),
          user('<!here|here>', 4, 4),
          user('<@U024BE7LH>', 3, 3),
          user('<https://evil.example|click me>', 2, 2),
          user('a&amp;b', 1, 1),
          user('eve\nRunbook: https://evil.example', 1, 1, 77),
          user('\u202Eevil\u202C', 1, 1, 78),
        ],
        distinctUsers: 7,
      },
      now: NOW,
    },
  },
];
