/**
 * `--expr '<filter>'` and `--set <path>=<value>`: an edited copy of one rule, validated exactly
 * as a rule file would be (rules/schema.ts and rules/validate.ts, with their messages), so a
 * backtest never runs on a rule that `npm run rules -- check` would reject.
 *
 * `--set` values are JSON when they parse as JSON (`3`, `true`, `"x"`), else the text itself
 * (`alarm.treatMissingData=breaching`). Setting a field of an absent object creates it, so
 * `--set alarm.threshold=5` gives an Insights-only rule an alarm with the schema's defaults.
 */
import { formatIssue, type RuleIssue } from '../../../rules/errors';
import { formatFilterError, parseFilter } from '../../../rules/filter';
import { checkRuleSet } from '../../../rules/load';
import type { Rule, RuleInput, RuleSetInput } from '../../../rules/schema';

export interface RuleEdits {
  expr: string | undefined;
  /** `path=value` as given. */
  sets: readonly string[];
}

export interface EditedRule {
  rule: Rule;
  /** `alarm.datapointsToAlarm: 2 → 3`, one line per changed field. */
  changes: string[];
}

export type EditResult = { ok: true; edited: EditedRule } | { ok: false; errors: string[] };

export function hasEdits(edits: RuleEdits): boolean {
  return edits.expr !== undefined || edits.sets.length > 0;
}

export function editRule(definition: RuleSetInput, current: Rule, edits: RuleEdits): EditResult {
  const raw = definition.rules.find((r) => r.id === current.id);
  if (raw === undefined)
    return { ok: false, errors: [`rule "${current.id}" is not in the rule set definition`] };
  const input = structuredClone(raw) as Record<string, unknown>;
  const errors: string[] = [];
  const paths: string[] = [];

  if (edits.expr !== undefined) {
    const parsed = parseFilter(edits.expr);
    if (!parsed.ok) {
      errors.push(
        `--expr does not parse: ${edits.expr}\n${parsed.errors.map((e) => formatFilterError(e)).join('\n')}`,
      );
    }
    setPath(input, ['group', 'filterExpression'], edits.expr);
    paths.push('group.filterExpression');
  }
  for (const assignment of edits.sets) {
    const eq = assignment.indexOf('=');
    const path = eq === -1 ? '' : assignment.slice(0, eq).trim();
    if (eq === -1 || !/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) {
      errors.push(`--set ${assignment}: expected <field.path>=<value>, e.g. alarm.datapointsToAlarm=3`);
      continue;
    }
    if (path === 'id') {
      errors.push('--set id=…: the edited rule keeps its id (backtest another rule by naming it)');
      continue;
    }
    setPath(input, path.split('.'), valueOf(assignment.slice(eq + 1)));
    paths.push(path);
  }
  if (errors.length > 0) return { ok: false, errors };

  // Checked inside its rule set: references to other rules (`inhibits`) must still resolve.
  const rules = definition.rules.map((r) => (r === raw ? (input as RuleInput) : r));
  const { ruleSet, issues } = checkRuleSet({ ...definition, rules });
  const edited = ruleSet?.rules.find((r) => r.id === current.id);
  if (edited === undefined) return { ok: false, errors: issues.map((i) => formatEditIssue(i)) };
  return { ok: true, edited: { rule: edited, changes: describeChanges(current, edited, paths) } };
}

function formatEditIssue(issue: RuleIssue): string {
  return `the edited rule is not valid: ${formatIssue(issue)}`;
}

function valueOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function getPath(source: unknown, path: readonly string[]): unknown {
  let node = source;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * One line per edited path, old → new, in validated terms (so defaults show). A rule that gets
 * an alarm shows the whole alarm.
 */
function describeChanges(current: Rule, edited: Rule, paths: readonly string[]): string[] {
  const show = (v: unknown) => (v === undefined ? '(none)' : String(v));
  const lines: string[] = [];
  for (const path of [...new Set(paths)]) {
    const keys = path.split('.');
    if (keys[0] === 'alarm' && current.alarm === undefined && edited.alarm !== undefined) {
      if (!lines.some((l) => l.startsWith('alarm:'))) lines.push(`alarm: (none) → ${describeAlarm(edited)}`);
      continue;
    }
    const before = getPath(current, keys);
    const after = getPath(edited, keys);
    const text = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : show(v));
    lines.push(`${path}: ${text(before)} → ${text(after)}${before === after ? ' (unchanged)' : ''}`);
  }
  return lines;
}

function describeAlarm(rule: Rule): string {
  const a = rule.alarm!;
  return `${a.statistic} ${a.comparison} ${a.threshold}, ${a.datapointsToAlarm} of ${a.evaluationPeriods} × ${a.periodSeconds} s, missing data ${a.treatMissingData}`;
}
