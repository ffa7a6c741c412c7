/**
 * Severity from impact, as data: every `rules/tests/impact/*.yaml` case runs the shipped rule's
 * filter over its traces (the filter engine, as X-Ray's group would), aggregates what matches
 * with the notifier's own aggregation, and decides as the notifier does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { ruleSet } from '../../rules';
import { compileFilter, traceFromInput, traceInputSchema } from '../../rules/filter';
import { addSummaries, createAggregation, totals } from './aggregate';
import { decideSeverity } from './impact-severity';
import { summary } from './test-support';

const dir = fileURLToPath(new URL('../../rules/tests/impact/', import.meta.url));
const fileSchema = z
  .object({
    rule: z.string(),
    cases: z.array(
      z
        .object({
          name: z.string(),
          read: z.enum(['complete', 'partial']).default('complete'),
          traces: z.array(traceInputSchema),
          severity: z.enum(['page', 'ticket', 'info']),
          says: z.string(),
        })
        .strict(),
    ),
  })
  .strict();

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const cases = files.flatMap((file) => {
  const data = fileSchema.parse(parse(readFileSync(`${dir}${file}`, 'utf8')));
  return data.cases.map((c) => ({ file, rule: data.rule, ...c }));
});

describe('severity from impact (rules/tests/impact)', () => {
  it('has cases for every shipped rule with an impact', () => {
    const covered = new Set(cases.map((c) => c.rule));
    expect(
      ruleSet.rules
        .filter((r) => r.impact)
        .map((r) => r.id)
        .filter((id) => !covered.has(id)),
    ).toEqual([]);
  });

  it.each(cases.map((c) => [`${c.file}: ${c.name}`, c] as const))('%s', (_name, c) => {
    const rule = ruleSet.rules.find((r) => r.id === c.rule);
    expect(rule, `no rule ${c.rule}`).toBeDefined();
    const matches = compileFilter(rule!.group.filterExpression);
    const agg = createAggregation();
    const seen = c.traces.map((t, i) => traceFromInput(t, `case-${i}`)).filter((t) => matches(t));
    addSummaries(
      agg,
      seen.map((t) => {
        const user = t.annotations['username']?.[0];
        return summary({ user: typeof user === 'string' ? user : null, fault: t.fault, error: t.error });
      }),
    );
    const decision = decideSeverity(rule!, { ...totals(agg), status: c.read, estimate: undefined });
    expect(decision).toEqual({ severity: c.severity, reason: c.says });
  });
});

describe('decideSeverity', () => {
  const rule = {
    severity: 'page' as const,
    impact: { pageWhen: { registeredUsersAtLeast: 3 }, otherwise: 'info' as const },
  };
  const read = {
    status: 'complete' as const,
    distinctUsers: 1,
    distinctUsersCapped: false,
    estimate: undefined,
  };

  it('keeps the rule severity, and says nothing, without impact', () => {
    expect(decideSeverity({ severity: 'ticket' }, read)).toEqual({ severity: 'ticket', reason: undefined });
  });

  it('pages when the users are unknown', () => {
    expect(decideSeverity(rule, { ...read, status: 'failed' })).toEqual({
      severity: 'page',
      reason: 'paged: users unknown, impact not known',
    });
  });

  it('counts the estimate under sampling when it is above the users seen', () => {
    const estimate = {
      seen: 1,
      estimate: 20,
      low: 5,
      high: 60,
      seenOnce: 1,
      seenTwice: 0,
      method: 'chao1' as const,
      samplingRate: 0.05,
    };
    expect(decideSeverity(rule, { ...read, estimate }).severity).toBe('page');
    expect(decideSeverity(rule, read)).toEqual({ severity: 'info', reason: 'info: 1 registered user < 3' });
  });

  it('marks a capped count with "+"', () => {
    expect(decideSeverity(rule, { ...read, distinctUsers: 100_000, distinctUsersCapped: true }).reason).toBe(
      'paged: 100,000+ registered users ≥ 3',
    );
  });
});
