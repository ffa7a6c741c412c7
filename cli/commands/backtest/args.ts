/**
 * argv → what to backtest, over what, and how to print it; or the reason it is not usable.
 * Parsed with node's own `parseArgs` (as `preview` is), validated here so the command body only
 * sees typed values.
 */
import { parseArgs } from 'node:util';

export const USAGE = [
  'usage: npm run rules -- backtest <rule-id> | --all [<traces.jsonl> [--since <ISO time>] [--until <ISO time>]]',
  "                                   [--expr '<filter>'] [--set <field>=<value>]...",
  '                                   [--live [--since 6h] [--until <time>] [--max-traces N] [--max-time 5m] [--save <file>]]',
  '                                   [--json] [--html <report.html>]',
  '  <traces.jsonl>  trace file, one JSON object a line (default: out/traces.jsonl, what `npm start` writes)',
  '  --live          read the account’s X-Ray instead (GetTraceSummaries with the rule’s filter)',
].join('\n');

export const DEFAULT_TRACE_FILE = 'out/traces.jsonl';
export const DEFAULT_SINCE = '6h';
export const DEFAULT_MAX_TRACES = 1_000_000;
export const DEFAULT_MAX_TIME_MS = 5 * 60_000;

export interface BacktestArgs {
  ruleId: string | undefined;
  all: boolean;
  file: string;
  expr: string | undefined;
  sets: string[];
  json: boolean;
  html: string | undefined;
  /** For a file: ISO times that clip it (a live window's are in `live`). */
  since: string | undefined;
  until: string | undefined;
  live:
    | {
        since: string;
        until: string | undefined;
        maxTraces: number;
        maxTimeMs: number;
        save: string | undefined;
      }
    | undefined;
  help: boolean;
}

export function parseBacktestArgs(argv: readonly string[]): BacktestArgs | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        all: { type: 'boolean', default: false },
        expr: { type: 'string' },
        set: { type: 'string', multiple: true, default: [] },
        json: { type: 'boolean', default: false },
        html: { type: 'string' },
        live: { type: 'boolean', default: false },
        since: { type: 'string' },
        until: { type: 'string' },
        'max-traces': { type: 'string' },
        'max-time': { type: 'string' },
        save: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ...blank(), help: true };

  const all = values.all;
  const [first, second, ...extra] = positionals;
  const ruleId = all ? undefined : first;
  const file = all ? first : second;
  if (extra.length > 0 || (all && second !== undefined)) {
    return { error: `unexpected argument "${all ? second : extra[0]}"` };
  }
  if (!all && ruleId === undefined) return { error: 'which rule? give its id, or --all' };
  if (all && (values.expr !== undefined || values.set.length > 0)) {
    return { error: '--expr and --set edit one rule: name it instead of --all' };
  }
  if (values.html !== undefined && values.html.trim() === '') return { error: '--html needs a file name' };
  if (values.expr !== undefined && values.expr.trim() === '')
    return { error: '--expr needs a filter expression' };

  const liveOnly = (['max-traces', 'max-time', 'save'] as const).filter((k) => values[k] !== undefined);
  if (!values.live && liveOnly.length > 0) return { error: `--${liveOnly[0]} needs --live` };
  if (values.live && file !== undefined)
    return { error: '--live reads X-Ray: drop the trace file, or drop --live' };

  let live: BacktestArgs['live'];
  if (values.live) {
    const maxTraces = values['max-traces'] === undefined ? DEFAULT_MAX_TRACES : Number(values['max-traces']);
    if (!Number.isInteger(maxTraces) || maxTraces < 1) {
      return { error: `--max-traces must be a whole number of traces, not "${values['max-traces']}"` };
    }
    const maxTimeMs = values['max-time'] === undefined ? DEFAULT_MAX_TIME_MS : duration(values['max-time']);
    if (maxTimeMs === undefined || maxTimeMs <= 0) {
      return { error: `--max-time must be a duration such as 90s or 5m, not "${values['max-time']}"` };
    }
    live = {
      since: values.since ?? DEFAULT_SINCE,
      until: values.until,
      maxTraces,
      maxTimeMs,
      save: values.save,
    };
  }
  return {
    ruleId,
    all,
    file: file ?? DEFAULT_TRACE_FILE,
    expr: values.expr,
    sets: values.set,
    json: values.json,
    html: values.html,
    since: values.since,
    until: values.until,
    live,
    help: false,
  };
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `90s`, `5m`, `6h`, `1.5d` → milliseconds; undefined if not one. Four units are all a window
 * of X-Ray traces needs; the `ms` package would be a dependency (and its types) for this regex.
 */
export function duration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/i.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]!.toLowerCase()]!;
}

function blank(): BacktestArgs {
  return {
    ruleId: undefined,
    all: false,
    file: DEFAULT_TRACE_FILE,
    expr: undefined,
    sets: [],
    json: false,
    html: undefined,
    since: undefined,
    until: undefined,
    live: undefined,
    help: false,
  };
}
