import { describe, expect, it } from 'vitest';
import { completeEnrichment, faultsRule, firingAlarm, goldenCases, NOW, user } from './golden-cases';
import {
  SLACK_HEADER_TEXT_MAX,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_TEXT_MAX,
  SLACK_TOTAL_TEXT_MAX,
} from './limits';
import type { PageInput } from './page-input';
import { blockTextLength, renderSlackAlert, slackLimitViolations, type SlackMessage } from './slack-alert';

const base: PageInput = { alert: firingAlarm, rule: faultsRule, enrichment: completeEnrichment, now: NOW };

function texts(message: SlackMessage): string[] {
  return [
    message.text,
    ...message.blocks.flatMap((b) =>
      b.type === 'context'
        ? b.elements.map((e) => e.text)
        : b.type === 'divider' || b.type === 'actions'
          ? []
          : [b.text.text],
    ),
  ];
}

function mrkdwnTexts(message: SlackMessage): string[] {
  return message.blocks.flatMap((b) =>
    b.type === 'section' ? [b.text.text] : b.type === 'context' ? b.elements.map((e) => e.text) : [],
  );
}

/** Every `<…>` Slack would parse: only our own links may appear. */
function controlSequences(message: SlackMessage): string[] {
  return [message.text, ...mrkdwnTexts(message)].flatMap((t) => t.match(/<[^>]*>/g) ?? []);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const graphemes = (s: string) =>
  [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

function userLines(message: SlackMessage): string[] {
  return mrkdwnTexts(message).flatMap((t) => t.split('\n').filter((l) => l.startsWith('• ')));
}

describe('renderSlackAlert', () => {
  it('says severity, state, rule, why, who and since when, with links', () => {
    const m = renderSlackAlert(base);
    const all = texts(m).join('\n');
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🔴 FIRING · PAGE · Faults for registered shoppers', emoji: true },
    });
    expect(m.text).toBe(
      '[PAGE] FIRING: Faults for registered shoppers — 5 registered users and 3 anonymous requests',
    );
    expect(all).toContain('*Affected:* 5 registered users and 3 anonymous requests');
    expect(all).toContain('Since 2024-01-01 12:01:00 UTC (29 min ago)');
    expect(all).toContain('• maria.garcia — 4 faults / 9 requests');
    expect(all).toContain('*Root cause:* cart-table (AWS::DynamoDB::Table): 9 faulted traces');
    expect(all).toContain('<https://runbooks.example.com/shop/registered-user-faults|Runbook>');
    expect(all).toContain(
      '<https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#xray:traces/1-65929f40-000000000000000000000fa9|1-65929f40-000000000000000000000fa9>',
    );
    expect(all).toContain(
      'Filter: `annotation.username CONTAINS "" AND annotation.username != "anonymous" AND fault`',
    );
    expect(slackLimitViolations(m)).toEqual([]);
  });

  it('marks partial and failed enrichment and a sampling rate below 100%', () => {
    const partial = texts(
      renderSlackAlert({
        ...base,
        samplingRate: 0.1,
        enrichment: { ...completeEnrichment, status: 'partial', reason: 'page cap reached (50 pages)' },
      }),
    ).join('\n');
    expect(partial).toContain('*Affected:* At least 5 registered users');
    expect(partial).toContain('Partial (page cap reached (50 pages))');
    expect(partial).toContain('sampling rate 10%');

    const failed = renderSlackAlert({
      ...base,
      samplingRate: 1,
      enrichment: { ...completeEnrichment, status: 'failed', reason: 'X-Ray said <no>', users: [] },
    });
    const failedText = texts(failed).join('\n');
    expect(failedText).toContain('*Affected:* Users unknown (X-Ray said &lt;no&gt;)');
    expect(failedText).not.toContain('Top affected users');
    expect(failedText).not.toContain('sampling rate');
  });

  it('under sampling, states the users seen and the estimate, and never implies the list is complete', () => {
    const sampled = goldenCases.find((c) => c.name === 'sampled-estimate')!.input;
    const all = texts(renderSlackAlert(sampled)).join('\n');
    expect(all).toContain('*Affected:* 6 registered users seen, about 190 affected (95 %: 150–240)');
    expect(all).toContain('*Users seen in sampled traces*');
    expect(all).toContain('+3 more users seen');
    expect(all).not.toContain('Top affected users');
    expect(all).toContain('sampling rate 5%');
    // Sampled without an estimate (say, a failed count): still a sample, still no "top affected".
    const noEstimate = texts(
      renderSlackAlert({ ...sampled, enrichment: { ...sampled.enrichment, estimate: undefined } }),
    );
    expect(noEstimate.join('\n')).toContain('*Users seen in sampled traces*');
    expect(noEstimate.join('\n')).toContain('real numbers are higher');
  });

  it('renders resolved and TEST pages distinctly', () => {
    const resolved = goldenCases.find((c) => c.name === 'resolved')!.input;
    const r = renderSlackAlert(resolved);
    expect(r.blocks[0]).toMatchObject({
      text: { text: '✅ RESOLVED · PAGE · Faults for registered shoppers' },
    });
    expect(texts(r).join('\n')).toContain(
      'Resolved 2024-01-01 12:24:40 UTC (5 min ago); started 2024-01-01 12:04:40 UTC, lasted 20 min',
    );

    const test = renderSlackAlert(goldenCases.find((c) => c.name === 'test-alert')!.input);
    expect(test.blocks[0]).toMatchObject({
      text: { text: '🧪 TEST · FIRING · PAGE · Faults for registered shoppers' },
    });
    expect(test.text.startsWith('[TEST] ')).toBe(true);
    expect(texts(test).join('\n')).toContain('*TEST ALERT:* nothing is wrong');
  });

  it('escapes mention and link injection in usernames and reasons', () => {
    const m = renderSlackAlert(goldenCases.find((c) => c.name === 'mention-injection')!.input);
    const all = texts(m).join('\n');
    for (const seq of controlSequences(m)) {
      expect(seq).toMatch(
        /^<https:\/\/(us-east-1\.console\.aws\.amazon\.com|runbooks\.example\.com)\/[^|<>\s]*\|[^<>]*>$/,
      );
    }
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;@U024BE7LH&gt;');
    expect(all).toContain('&lt;https://evil.example|click me&gt;');
    expect(all).toContain('&lt;https://evil.example/login|Open the runbook&gt; &amp; friends');
    // `&` escaped first: an entity in the input stays literal instead of decoding.
    expect(all).toContain('a&amp;amp;b');
    // A newline in a username cannot forge a line; a bidi override cannot reorder the counts.
    expect(all).toContain('• eve\uFFFDRunbook: https://evil.example — 1 fault');
    expect(all).not.toContain('\u202E');
    expect(userLines(m)).toHaveLength(7);
  });

  it('builds links only from http(s) URLs', () => {
    const m = renderSlackAlert({
      ...base,
      rule: { ...faultsRule, runbookUrl: 'javascript:alert(1)' },
      alert: { ...firingAlarm, links: { alarm: 'https://x.example/a|b>c<d&e', traces: 'data:text/html,hi' } },
    });
    const all = texts(m).join('\n');
    expect(all).toContain(
      'Runbook · <https://x.example/a%7Cb%3Ec%3Cd&amp;e|Alarm in CloudWatch> · Query traces',
    );
    expect(all).not.toContain('javascript:');
    expect(all).not.toContain('data:');
  });

  it('lists 10,000 users within Slack limits and says how many more there are', () => {
    const users = Array.from({ length: 10_000 }, (_, i) => user(`user-${i}`, 10_000 - i, 20_000 - i, i));
    const m = renderSlackAlert({
      ...base,
      enrichment: { ...completeEnrichment, users, distinctUsers: 10_000 },
    });
    expect(slackLimitViolations(m)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
    for (const b of m.blocks) {
      if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
    }
    expect(m.blocks.reduce((n, b) => n + blockTextLength(b), 0)).toBeLessThanOrEqual(SLACK_TOTAL_TEXT_MAX);
    const shown = userLines(m).length;
    expect(shown).toBeGreaterThan(10);
    expect(texts(m).join('\n')).toContain(`+${(10_000 - shown).toLocaleString('en-US')} more users`);
    // The tail (root cause, links, filter) survives a huge list.
    expect(m.blocks.at(-1)?.type).toBe('context');
    expect(texts(m).join('\n')).toContain('|Runbook>');
  });

  it('counts users beyond the listed ones even when the list fits (top-N of many)', () => {
    const m = renderSlackAlert({ ...base, enrichment: { ...completeEnrichment, distinctUsers: 1_234 } });
    expect(texts(m).join('\n')).toContain('+1,229 more users');
  });

  it('truncates a 50 KB alarm reason inside the section limit without cutting an entity', () => {
    const reason = `${'Threshold & <crossed> '.repeat(2_300)}END`;
    expect(reason.length).toBeGreaterThan(50_000);
    const m = renderSlackAlert({ ...base, alert: { ...firingAlarm, reason } });
    expect(slackLimitViolations(m)).toEqual([]);
    const why = mrkdwnTexts(m).find((t) => t.includes('*Why:*'))!;
    expect(why).not.toContain('END');
    expect(why.endsWith('…')).toBe(true);
    expect(why).not.toMatch(/&(a|am|amp|l|lt|g|gt)?…$/);
    expect(why.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
  });

  it('keeps Unicode usernames whole: emoji, RTL, combining marks; truncation never splits a pair', () => {
    const names = ['👩🏽‍💻 dev', 'مريم', 'e\u0301le\u0300ve', '😀'.repeat(200), `x${'e\u0301'.repeat(100)}`];
    const m = renderSlackAlert({
      ...base,
      enrichment: {
        ...completeEnrichment,
        users: names.map((n, i) => user(n, 5 - i, 5, i)),
        distinctUsers: 5,
      },
    });
    const lines = userLines(m);
    expect(lines[0]).toContain('👩🏽‍💻 dev');
    expect(lines[1]).toContain('مريم');
    expect(lines[2]).toContain('e\u0301le\u0300ve');
    for (const line of lines) expect(line).not.toMatch(LONE_SURROGATE);
    const emoji = lines[3]!.slice(2, lines[3]!.indexOf(' — '));
    expect(emoji.endsWith('…')).toBe(true);
    expect(graphemes(emoji.slice(0, -1)).every((g) => g === '😀')).toBe(true);
    const combining = lines[4]!.slice(2, lines[4]!.indexOf(' — '));
    expect(graphemes(combining.slice(1, -1)).every((g) => g === 'e\u0301')).toBe(true);
  });

  it('keeps the header within 150 characters for the longest allowed title', () => {
    const m = renderSlackAlert({ ...base, rule: { ...faultsRule, title: 'T'.repeat(120) } });
    const header = m.blocks[0];
    expect(header?.type === 'header' && header.text.text.length).toBeLessThanOrEqual(SLACK_HEADER_TEXT_MAX);
  });

  it('fits every golden case', () => {
    for (const c of goldenCases) expect(slackLimitViolations(renderSlackAlert(c.input)), c.name).toEqual([]);
  });
});
