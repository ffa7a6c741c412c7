/**
 * `npm run rules -- backtest <rule-id> | --all [traces.jsonl]`: what a rule would have paged
 * for, and for whom, over recorded traces, before it is deployed. It replays what AWS and the
 * notifier do (backtest/replay.ts): the group's per-minute trace count through the project's
 * filter engine, the alarm through CloudWatch's evaluation (rules/alarm, the evaluator the local
 * pipeline uses), and for each incident the notifier's own query window and user aggregation.
 *
 * `--expr` / `--set` backtest an edited copy beside the shipped rule and print the difference;
 * `--live` reads the account's X-Ray instead of a file (backtest/live.ts); `--json` prints the
 * report as data, `--html <file>` writes an email-safe report with a chart.
 *
 * Exit codes: 0 backtested; 1 X-Ray could not be read (or failed part-way: the partial report
 * is still printed); 2 bad input (unknown rule, a filter or `--set` that does not validate, a
 * missing, empty or traceless file, a window X-Ray does not serve, a rule without an alarm).
 */
import type { XRayClient } from '@aws-sdk/client-xray';
import { writeFile } from 'node:fs/promises';
import { compileFilter } from '../../rules/filter';
import { closest } from '../../rules/filter/suggest';
import type { Rule, RuleSet, RuleSetInput } from '../../rules/schema';
import type { RuleSource } from '../rule-source';
import { parseBacktestArgs, USAGE, type BacktestArgs } from './backtest/args';
import { editRule, hasEdits } from './backtest/edit';
import { fetchLive, liveWindow, liveXRayClient, type LiveProgress, type LiveResult } from './backtest/live';
import { renderHtml } from './backtest/render-html';
import { renderJson } from './backtest/render-json';
import { renderText } from './backtest/render-text';
import { buildReport, type BacktestReport, type SourceReport } from './backtest/report';
import { replay, type ReplayResult, type ReplayVariant, type Span } from './backtest/replay';
import { openTraceFile, TraceFileError, type ScanStats } from './backtest/trace-file';

export interface BacktestDeps {
  definition: RuleSetInput;
  ruleSet: RuleSet;
  now: () => Date;
  /** The X-Ray client for `--live` (its retry settings are live.ts's business). */
  xray: () => XRayClient;
  /** Where `--live` draws its progress bar; default stderr. */
  progress?: LiveProgress;
}

export function depsFor(source: RuleSource): BacktestDeps {
  return {
    definition: source.definition,
    ruleSet: source.ruleSet(),
    now: () => new Date(),
    xray: () => liveXRayClient(),
  };
}

/** A failure with a message for the user and the exit code that goes with it. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly code: 1 | 2 = 2,
  ) {
    super(message);
  }
}

export async function run(argv: string[], deps: BacktestDeps): Promise<number> {
  const args = parseBacktestArgs(argv);
  if ('error' in args) {
    console.error(`✗ ${args.error}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    return await backtest(args, deps);
  } catch (error) {
    if (error instanceof Refusal) {
      console.error(`✗ ${error.message}`);
      return error.code;
    }
    // Never a stack trace: say what failed; the cause is for a debugger, not for the page.
    console.error(
      `✗ backtest failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    return 1;
  }
}

interface Selection {
  variants: ReplayVariant[];
  edited: Set<string>;
  changes: string[];
  skipped: BacktestReport['skipped'];
}

/** What was replayed, from where: the part of the report the source decides. */
interface Replayed {
  source: SourceReport;
  results: { replay: ReplayResult; edited: ReadonlySet<string> }[];
  span: Span | undefined;
  exitCode: 0 | 1;
}

async function backtest(args: BacktestArgs, deps: BacktestDeps): Promise<number> {
  const selection = select(args, deps);
  const { source, results, span, exitCode } = args.live
    ? await fromXRay(args.live, selection, deps)
    : await fromFile(args, selection, deps);
  const report = buildReport({
    source,
    results,
    changes: selection.changes,
    skipped: selection.skipped,
    span,
  });
  console.log(args.json ? renderJson(report) : renderText(report).trimEnd());
  if (args.html !== undefined) {
    await writeFile(args.html, renderHtml(report));
    console.error(`wrote ${args.html}`);
  }
  return exitCode;
}

async function fromXRay(
  live: NonNullable<BacktestArgs['live']>,
  selection: Selection,
  deps: BacktestDeps,
): Promise<Replayed> {
  const window = liveWindow(live, deps.now());
  if ('error' in window) throw new Refusal(window.error);
  const read: LiveResult = await fetchLive(selection.variants, window, {
    xray: deps.xray(),
    maxTraces: live.maxTraces,
    maxTimeMs: live.maxTimeMs,
    save: live.save,
    progress: deps.progress,
  });
  try {
    // X-Ray failed part-way: say so, and still report what was read.
    if (read.error !== undefined) console.error(`✗ ${read.error}`);
    const results = [];
    for (const spool of read.spools) {
      const r = await replay(spool.source, spool.variants, {
        span: read.span,
        namePrefix: deps.ruleSet.namePrefix,
      });
      results.push({ replay: r, edited: selection.edited });
    }
    return { source: read.report, results, span: read.span, exitCode: read.error === undefined ? 0 : 1 };
  } finally {
    await read.cleanup();
  }
}

async function fromFile(args: BacktestArgs, selection: Selection, deps: BacktestDeps): Promise<Replayed> {
  let file;
  try {
    file = await openTraceFile(args.file);
  } catch (error) {
    if (error instanceof TraceFileError) throw new Refusal(noFileHint(error.message, args.file));
    throw error;
  }
  const clip = fileClip(args);
  const r = await replay(file, selection.variants, { namePrefix: deps.ruleSet.namePrefix, clip });
  reportProblems(args.file, r.stats);
  if (r.stats.traces === 0) throw new Refusal(noTraces(args.file, r.stats));
  if (r.tracesInSpan === 0) {
    throw new Refusal(
      `none of the ${r.stats.traces} traces of ${args.file} starts between --since and --until`,
    );
  }
  return {
    source: {
      kind: 'file',
      path: args.file,
      lines: r.stats.lines,
      traces: r.tracesInSpan,
      tracesInFile: r.stats.traces,
      byShape: r.stats.byShape,
      skippedLines: r.stats.skipped,
      problems: r.stats.problems,
    },
    results: [{ replay: r, edited: selection.edited }],
    span: r.span,
    exitCode: 0,
  };
}

/** The rules to replay: one (and maybe its edited copy) or every rule with an alarm. */
function select(args: BacktestArgs, deps: BacktestDeps): Selection {
  const rules = deps.ruleSet.rules;
  const variant = (rule: Rule, key = rule.id): ReplayVariant => {
    const filter = compileFilter(rule.group.filterExpression);
    return { key, rule, matches: filter.outcome };
  };
  if (args.all) {
    const withAlarm = rules.filter((r) => r.alarm !== undefined);
    if (withAlarm.length === 0) throw new Refusal('no rule has an alarm: nothing would page from CloudWatch');
    return {
      variants: withAlarm.map((r) => variant(r)),
      edited: new Set(),
      changes: [],
      skipped: rules
        .filter((r) => r.alarm === undefined)
        .map((r) => ({ ruleId: r.id, reason: 'no alarm: it pages through X-Ray Insights only' })),
    };
  }

  const id = args.ruleId!;
  const rule = rules.find((r) => r.id === id);
  if (rule === undefined) {
    const ids = rules.map((r) => r.id);
    const near = closest(id, ids);
    throw new Refusal(
      `unknown rule id "${id}"${near !== undefined ? `; did you mean "${near}"?` : ''}\n  rules: ${ids.join(', ')}`,
    );
  }
  const edits = { expr: args.expr, sets: args.sets };
  if (!hasEdits(edits)) {
    if (rule.alarm === undefined) throw new Refusal(noAlarm(rule));
    return { variants: [variant(rule)], edited: new Set(), changes: [], skipped: [] };
  }
  const result = editRule(deps.definition, rule, edits);
  if (!result.ok) throw new Refusal(result.errors.join('\n'));
  const edited = result.edited.rule;
  if (rule.alarm === undefined && edited.alarm === undefined) throw new Refusal(noAlarm(rule));
  const editedKey = `${rule.id} (edited)`;
  return {
    variants: [variant(rule), variant(edited, editedKey)],
    edited: new Set([editedKey]),
    changes: result.edited.changes,
    skipped: [],
  };
}

/** `--since` / `--until` on a file: ISO times (a file has no "now" to count back from). */
function fileClip(args: BacktestArgs): { startMs?: number; endMs?: number } | undefined {
  const at = (text: string | undefined, name: string): number | undefined => {
    if (text === undefined) return undefined;
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(ms))
      throw new Refusal(
        `--${name} on a trace file takes an ISO time such as 2026-11-22T21:00:00Z, not "${text}"`,
      );
    return ms;
  };
  const startMs = at(args.since, 'since');
  const endMs = at(args.until, 'until');
  if (startMs !== undefined && endMs !== undefined && startMs >= endMs) {
    throw new Refusal(`the window is empty: --since ${args.since} is not before --until ${args.until}`);
  }
  return startMs === undefined && endMs === undefined ? undefined : { startMs, endMs };
}

function noAlarm(rule: Rule): string {
  return (
    `rule "${rule.id}" has no alarm: it pages through X-Ray Insights only, and a backtest replays alarms.\n` +
    `  To see what an alarm on its group would do: --set alarm.threshold=0 (schema defaults for the rest)`
  );
}

function noFileHint(message: string, path: string): string {
  return message.includes('no such file') && path.endsWith('traces.jsonl')
    ? `${message}\n  \`npm start\` writes out/traces.jsonl; or name a trace file, or use --live`
    : message;
}

function noTraces(path: string, stats: ScanStats): string {
  if (stats.lines === 0 || stats.lines === stats.blank) return `${path} is empty: no traces to replay`;
  return `${path} has no usable trace: ${stats.skipped} of ${stats.lines} lines are malformed (see above)`;
}

function reportProblems(path: string, stats: ScanStats): void {
  for (const p of stats.problems) console.error(`warning: ${path}:${p.line}: ${p.reason}`);
  const unlisted = stats.skipped - stats.problems.length;
  if (unlisted > 0) console.error(`warning: … and ${unlisted} more malformed lines`);
  if (stats.skipped > 0) {
    console.error(
      `warning: skipped ${stats.skipped} malformed line${stats.skipped === 1 ? '' : 's'} of ${stats.lines}; read the rest`,
    );
  }
}
