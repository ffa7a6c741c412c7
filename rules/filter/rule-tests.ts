/**
 * Promtool-style rule tests as data: fixture suites list traces (compact, see `trace.ts`) and,
 * per trace, the rule ids that must match and must not. The runner is pure: callers read the
 * files (CLI, vitest) and hand it parsed suites and the rules.
 */
import { z } from 'zod';
import { compileFilter, type CompiledFilter } from './compile';
import type { FilterSyntaxError } from './errors';
import { explainFilter, type ExplainNode } from './explain';
import { parseFilter } from './parser';
import { closest } from './suggest';
import { traceInputSchema, type Trace } from './trace';

const ruleIds = z.array(z.string().min(1)).default([]);

const fixtureTraceSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    trace: traceInputSchema,
    match: ruleIds,
    noMatch: ruleIds,
  })
  .superRefine((t, ctx) => {
    if (t.match.length + t.noMatch.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'list at least one rule id under match or noMatch' });
    }
    for (const id of t.match.filter((m) => t.noMatch.includes(m))) {
      ctx.addIssue({ code: 'custom', message: `rule "${id}" is under both match and noMatch` });
    }
  });

/** The shape of a `rules/tests/*.yaml` file. */
export const ruleTestFileSchema = z
  .strictObject({
    description: z.string().optional(),
    traces: z.array(fixtureTraceSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.traces.forEach((t, i) => {
      if (seen.has(t.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['traces', i, 'name'],
          message: `duplicate trace name "${t.name}"`,
        });
      }
      seen.add(t.name);
    });
  });

export type RuleTestFile = z.input<typeof ruleTestFileSchema>;

export interface RuleTestTrace {
  name: string;
  description?: string;
  trace: Trace;
  match: string[];
  noMatch: string[];
}

export interface RuleTestSuite {
  /** Usually the fixture's file name. */
  name: string;
  description?: string;
  traces: RuleTestTrace[];
}

/** Validates one parsed fixture file; errors read `traces.2.trace.annotations: …`. */
export function parseRuleTestSuite(
  name: string,
  data: unknown,
): { ok: true; suite: RuleTestSuite } | { ok: false; errors: string[] } {
  const parsed = ruleTestFileSchema.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map(
        (i) => `${name}: ${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`,
      ),
    };
  }
  const traces = parsed.data.traces.map(({ trace, ...rest }) => ({
    ...rest,
    trace: { ...trace, id: trace.id ?? rest.name },
  }));
  const suite: RuleTestSuite = { name, traces };
  if (parsed.data.description !== undefined) suite.description = parsed.data.description;
  return { ok: true, suite };
}

export type Expectation = 'match' | 'no-match';

/** `unknown`: the filter cannot decide this trace offline; `rule-error`: the rule does not parse. */
export type Actual = Expectation | 'unknown' | 'rule-error' | 'unknown-rule';

export interface RuleTestCase {
  suite: string;
  trace: string;
  ruleId: string;
  expected: Expectation;
  actual: Actual;
  pass: boolean;
  /** The rule's expression, when the rule exists. */
  expression?: string;
  /** Clause-by-clause explanation; set on failures. */
  explain?: ExplainNode;
  /** A sentence for failures that have no explanation tree (unknown rule, parse error). */
  note?: string;
}

export interface RuleTestReport {
  ok: boolean;
  passed: number;
  failed: number;
  cases: RuleTestCase[];
  failures: RuleTestCase[];
  /** Rules whose expression does not parse, with every error. */
  ruleErrors: Array<{ ruleId: string; expression: string; errors: FilterSyntaxError[] }>;
  /** Rules no fixture mentions: they ship untested. */
  uncoveredRules: string[];
  suites: number;
  traces: number;
}

export interface RuleUnderTest {
  id: string;
  filterExpression: string;
}

export function runRuleTests(
  rules: readonly RuleUnderTest[],
  suites: readonly RuleTestSuite[],
): RuleTestReport {
  const compiled = new Map<string, { rule: RuleUnderTest; filter?: CompiledFilter }>();
  const ruleErrors: RuleTestReport['ruleErrors'] = [];
  for (const rule of rules) {
    const parsed = parseFilter(rule.filterExpression);
    if (parsed.ok) compiled.set(rule.id, { rule, filter: compileFilter(parsed.ast) });
    else {
      compiled.set(rule.id, { rule });
      ruleErrors.push({ ruleId: rule.id, expression: rule.filterExpression, errors: parsed.errors });
    }
  }

  const cases: RuleTestCase[] = [];
  const mentioned = new Set<string>();
  for (const suite of suites) {
    for (const fixture of suite.traces) {
      const expectations: Array<[string, Expectation]> = [
        ...fixture.match.map((id): [string, Expectation] => [id, 'match']),
        ...fixture.noMatch.map((id): [string, Expectation] => [id, 'no-match']),
      ];
      for (const [ruleId, expected] of expectations) {
        mentioned.add(ruleId);
        const base = { suite: suite.name, trace: fixture.name, ruleId, expected };
        const entry = compiled.get(ruleId);
        if (entry === undefined) {
          const near = closest(ruleId, [...compiled.keys()]);
          const hint = near !== undefined ? `; did you mean "${near}"?` : '';
          cases.push({
            ...base,
            actual: 'unknown-rule',
            pass: false,
            note: `no rule with id "${ruleId}"${hint}`,
          });
          continue;
        }
        const expression = entry.rule.filterExpression;
        if (entry.filter === undefined) {
          cases.push({
            ...base,
            expression,
            actual: 'rule-error',
            pass: false,
            note: 'the rule expression does not parse',
          });
          continue;
        }
        const outcome = entry.filter.outcome(fixture.trace);
        const actual: Actual = outcome === undefined ? 'unknown' : outcome ? 'match' : 'no-match';
        const pass = actual === expected;
        const result: RuleTestCase = { ...base, expression, actual, pass };
        if (!pass) result.explain = explainFilter(expression, fixture.trace);
        cases.push(result);
      }
    }
  }

  const failures = cases.filter((c) => !c.pass);
  return {
    ok: failures.length === 0 && ruleErrors.length === 0,
    passed: cases.length - failures.length,
    failed: failures.length,
    cases,
    failures,
    ruleErrors,
    uncoveredRules: rules.map((r) => r.id).filter((id) => !mentioned.has(id)),
    suites: suites.length,
    traces: suites.reduce((n, s) => n + s.traces.length, 0),
  };
}
