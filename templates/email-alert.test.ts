import { describe, expect, it } from 'vitest';
import { EMAIL_MAX_USERS, emailSubject, renderEmailAlert, toAsciiLine } from './email-alert';
import { completeEnrichment, faultsRule, firingAlarm, goldenCases, NOW, user } from './golden-cases';
import { SNS_MESSAGE_MAX_BYTES, utf8Length } from './limits';
import type { PageInput } from './page-input';

const base: PageInput = { alert: firingAlarm, rule: faultsRule, enrichment: completeEnrichment, now: NOW };

/** SNS: ASCII, begins with a letter, number or punctuation, no line breaks or controls, < 100 chars. */
function expectValidSubject(subject: string): void {
  expect(subject).toMatch(/^[A-Za-z0-9\p{P}][\x20-\x7e]*$/u);
  expect(subject.length).toBeLessThanOrEqual(99);
  expect(subject).not.toMatch(/[\r\n]/);
}

describe('renderEmailAlert', () => {
  it('writes an ASCII subject with severity, state, title and count', () => {
    const { subject, body } = renderEmailAlert(base);
    expect(subject).toBe('[PAGE] FIRING: Faults for registered shoppers - 5 users affected');
    expect(body).toContain('Affected: 5 registered users and 3 anonymous requests');
    expect(body).toContain('Since 2024-01-01 12:01:00 UTC (29 min ago)');
    expect(body).toContain('  1. maria.garcia - 4 faults / 9 requests, slowest 2.8 s');
    expect(body).toContain('Runbook: https://runbooks.example.com/shop/registered-user-faults');
    expect(body).toContain(
      'Filter expression: annotation.username CONTAINS "" AND annotation.username != "anonymous" AND fault',
    );
  });

  it('keeps every golden subject within SNS rules', () => {
    for (const c of goldenCases) expectValidSubject(emailSubject(c.input));
    expect(emailSubject(goldenCases.find((c) => c.name === 'test-alert')!.input)).toMatch(
      /^\[TEST\] \[PAGE\] FIRING/,
    );
    expect(emailSubject(goldenCases.find((c) => c.name === 'enrichment-failed')!.input)).toMatch(
      /users unknown$/,
    );
    expect(emailSubject(goldenCases.find((c) => c.name === 'partial-enrichment')!.input)).toMatch(
      />=140 users affected$/,
    );
  });

  it('transliterates or replaces non-ASCII and cuts long subjects to 99 characters', () => {
    const unicode = emailSubject({
      ...base,
      rule: { ...faultsRule, title: 'Pannes für Käufer 🛒 — 日本\nline' },
    });
    expectValidSubject(unicode);
    expect(unicode).toBe('[PAGE] FIRING: Pannes fur Kaufer ? - ?? line - 5 users affected');
    const long = emailSubject({
      ...base,
      rule: { ...faultsRule, title: 'Very long title '.repeat(8).trim() },
    });
    expectValidSubject(long);
    expect(long).toHaveLength(99);
    expect(long.endsWith('...')).toBe(true);
    expect(toAsciiLine('\u0000ctrl\tand\u00a0nbsp')).toBe('?ctrl and nbsp');
  });

  it('lists at most EMAIL_MAX_USERS of 10,000 users and counts the rest', () => {
    const users = Array.from({ length: 10_000 }, (_, i) => user(`user-${i}`, 10_000 - i, 20_000 - i, i));
    const { body } = renderEmailAlert({
      ...base,
      enrichment: { ...completeEnrichment, users, distinctUsers: 10_000 },
    });
    expect(body).toContain(`  ${EMAIL_MAX_USERS}. user-${EMAIL_MAX_USERS - 1} - `);
    expect(body).not.toContain(`  ${EMAIL_MAX_USERS + 1}. `);
    expect(body).toContain(`  +${(10_000 - EMAIL_MAX_USERS).toLocaleString('en-US')} more users`);
    expect(utf8Length(body)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
  });

  it('stays under 256 KB in UTF-8 bytes with a 50 KB reason and long 4-byte usernames', () => {
    const reason = '⚠️ fault '.repeat(6_000);
    const users = Array.from({ length: 10_000 }, (_, i) => user(`${'😀'.repeat(300)}${i}`, 1, 1, i));
    const { body } = renderEmailAlert({
      ...base,
      alert: { ...firingAlarm, reason },
      enrichment: { ...completeEnrichment, users, distinctUsers: 10_000 },
    });
    expect(utf8Length(body)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(body).toContain('Why: ⚠️ fault');
    expect(body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it('keeps injected line breaks and bidi controls out of the body', () => {
    const { body } = renderEmailAlert(goldenCases.find((c) => c.name === 'mention-injection')!.input);
    expect(body).toContain('  6. eve\uFFFDRunbook: https://evil.example - 1 fault');
    expect(body.split('\n').filter((l) => l.startsWith('Runbook: '))).toEqual([
      'Runbook: https://runbooks.example.com/shop/registered-user-faults',
    ]);
    expect(body).not.toContain('\u202E');
  });

  it('marks partial, failed and sampled enrichment', () => {
    const partial = renderEmailAlert(goldenCases.find((c) => c.name === 'partial-enrichment')!.input).body;
    expect(partial).toContain('Affected: At least 140 registered users and 55 anonymous requests');
    expect(partial).toContain('Note: Partial (time budget (4000 ms) used up after 3 pages)');
    expect(partial).toContain('  +120 more users');
    const failed = renderEmailAlert(goldenCases.find((c) => c.name === 'enrichment-failed')!.input).body;
    expect(failed).toContain(
      'Affected: Users unknown (X-Ray GetTraceSummaries failed: AccessDeniedException',
    );
    expect(failed).not.toContain('Top affected users');
    const sampled = renderEmailAlert({ ...base, samplingRate: 0.005 }).body;
    expect(sampled).toContain('sampling rate 0.5%');
    const estimated = renderEmailAlert(goldenCases.find((c) => c.name === 'sampled-estimate')!.input);
    expect(estimated.subject).toBe(
      '[PAGE] FIRING: Faults for registered shoppers - about 190 users affected (6 seen)',
    );
    expect(estimated.body).toContain('Affected: 6 registered users seen, about 190 affected (95 %: 150–240)');
    expect(estimated.body).toContain('Users seen in sampled traces (by faults, then requests):');
    expect(estimated.body).toContain('  +3 more users seen');
    expect(estimated.body).not.toContain('Top affected users');
  });
});
