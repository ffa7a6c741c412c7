/**
 * Golden files of one incident's thread as it lives: the root at each stage (posted after the
 * first look, edited as users come in, complete with its decided severity, resolved) and the
 * short replies (an Insight joining with new users and a root cause, NO DATA, a source that
 * clears while another fires, the resolve line, a folded incident's line). Compared byte for byte
 * in `__golden__/lifecycle/`; after an intended change:
 *
 *     UPDATE_GOLDEN=1 npx vitest run templates
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { completeEnrichment, faultsRule, firingAlarm, NOW, user } from './golden-cases';
import type { PageAlert, PageEnrichment, PageInput } from './page-input';
import { renderSlackAlert, slackLimitViolations, type SlackMessage } from './slack-alert';
import { MAX_UPDATE_LINES, renderRelatedLine, renderUpdate, type UpdateInput } from './slack-update';

const dir = new URL('./__golden__/lifecycle/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';

function compare(file: string, message: SlackMessage): void {
  const actual = `${JSON.stringify(message, null, 2)}\n`;
  const url = new URL(file, dir);
  if (update) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(url, actual);
    return;
  }
  if (!existsSync(url)) throw new Error(`missing golden file __golden__/lifecycle/${file}: UPDATE_GOLDEN=1`);
  expect(actual, `__golden__/lifecycle/${file} differs (UPDATE_GOLDEN=1 to accept)`).toBe(
    readFileSync(url, 'utf8'),
  );
}

const reading = (over: Partial<PageEnrichment>): PageEnrichment => ({
  ...completeEnrichment,
  status: 'partial',
  reason: 'still reading: 4 of 30 time slices',
  progress: { end: 'reading' },
  ...over,
});

const firstLook = reading({
  users: [],
  distinctUsers: 0,
  anonymousRequests: 0,
  totalTraces: 0,
  faults: 0,
  rootCauses: [],
  exampleTraceIds: [],
  unattributedTraces: 0,
  reason: 'still reading: 0 of 30 time slices',
});
const progress = reading({
  users: [user('maria.garcia', 4, 9), user('li.wei', 3, 3)],
  distinctUsers: 2,
  anonymousRequests: 1,
  totalTraces: 8,
  faults: 7,
  reason: 'still reading: 12 of 30 time slices',
});
const resolvedAlarm: PageAlert = {
  ...firingAlarm,
  state: 'resolved',
  window: { start: firingAlarm.window.start, end: new Date('2024-01-01T12:20:00Z') },
};
const root = (alert: PageAlert, enrichment: PageEnrichment, severity?: PageInput['severity']): SlackMessage =>
  renderSlackAlert({ alert, rule: faultsRule, enrichment, now: NOW, severity });
const paged = {
  severity: 'page' as const,
  reason: `paged: ${completeEnrichment.distinctUsers} registered users ≥ 3`,
};

const roots: Array<[string, SlackMessage]> = [
  ['root-1-first-look', root(firingAlarm, firstLook)],
  ['root-2-reading', root(firingAlarm, progress)],
  ['root-3-complete', root(firingAlarm, completeEnrichment, paged)],
  ['root-4-resolved', root(resolvedAlarm, completeEnrichment, paged)],
];

const insight: PageAlert = {
  ...firingAlarm,
  kind: 'insight',
  state: 'firing',
  title: '30 of 1,000 client requests faulted; root cause cart-table.',
  reason: 'X-Ray Insight opened',
  rootCauseService: { name: 'cart-table', type: 'AWS::DynamoDB::Table' },
};
const incident = { firstFiredAt: '2024-01-01T12:01:00.000Z', activeSources: ['alarm', 'insight'] };
const base: UpdateInput = {
  alert: insight,
  change: 'attached',
  incident,
  enrichment: completeEnrichment,
  named: new Set(['maria.garcia', 'li.wei']),
  rootCause: undefined,
  test: false,
};
const replies: Array<[string, SlackMessage]> = [
  ['reply-insight-joined', renderUpdate(base)],
  [
    'reply-no-data',
    renderUpdate({
      ...base,
      alert: { ...firingAlarm, state: 'insufficient_data', reason: 'no datapoints for 3 periods' },
      change: 'noted',
      enrichment: undefined,
    }),
  ],
  [
    'reply-still-open',
    renderUpdate({
      ...base,
      change: 'still-open',
      alert: { ...insight, state: 'resolved' },
      incident: { ...incident, activeSources: ['alarm'] },
    }),
  ],
  [
    'reply-resolved',
    renderUpdate({
      ...base,
      alert: resolvedAlarm,
      change: 'resolved',
      incident: { ...incident, resolvedAt: '2024-01-01T12:20:00.000Z', activeSources: [] },
    }),
  ],
  [
    'reply-related-inhibited',
    renderRelatedLine({
      kind: 'inhibited',
      rule: { id: 'registered-users', title: 'Registered shoppers', severity: 'info' },
      source: 'insight',
      title: insight.title,
      test: false,
    }),
  ],
];

describe('the thread of one incident, golden', () => {
  it.each(roots)('%s', (name, message) => {
    expect(slackLimitViolations(message)).toEqual([]);
    compare(`${name}.json`, message);
  });

  it.each(replies)('%s', (name, message) => {
    const text = message.blocks.map((b) => (b.type === 'section' ? b.text.text : '')).join('\n');
    expect(text.split('\n').length).toBeLessThanOrEqual(MAX_UPDATE_LINES);
    compare(`${name}.json`, message);
  });

  it('says what each stage should', () => {
    const text = (m: SlackMessage) => JSON.stringify(m.blocks);
    expect(text(roots[0]![1])).toContain('Finding affected users…');
    expect(text(roots[0]![1])).toContain('this page is updated as users are found');
    expect(text(roots[1]![1])).toContain('At least 2 registered users');
    expect(text(roots[2]![1])).toContain('*Severity:* paged: ');
    expect(text(roots[3]![1])).toContain('RESOLVED');
    expect(text(replies[0]![1])).toContain('new users');
    expect(text(replies[0]![1])).toContain('cart-table (AWS::DynamoDB::Table)');
    // The resolve is one line: the root carries the rest.
    expect(text(replies[3]![1]).split('\\n')).toHaveLength(1);
  });
});
