import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { repoRuleSource } from '../repo-rules';
import { depsFor, run as runWith } from './backtest';

const run = (argv: string[]) => runWith(argv, depsFor(repoRuleSource));
import type { BacktestReport } from './backtest/report';
import {
  DAY_START_MS,
  OUTAGE_USERS,
  shopDaySummaries,
  wireSummary,
  writeTraceFile,
} from './backtest/test-support';

function capture() {
  const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('\n');
  return { out: () => text(out), err: () => text(err) };
}

const day = writeTraceFile(shopDaySummaries());

async function json(argv: string[]): Promise<BacktestReport> {
  const io = capture();
  expect(await run([...argv, '--json'])).toBe(0);
  return JSON.parse(io.out()) as BacktestReport;
}

describe('rules backtest', () => {
  afterEach(() => vi.restoreAllMocks());

  it('replays the fault rule: every 2-of-3 incident, when it paged and resolved, and whom it hurt', async () => {
    const report = await json(['registered-user-faults', day]);
    const [rule] = report.rules;
    expect(rule!.pages).toBe(4);
    expect(rule!.incidents.map((i) => [i.pagedAt.slice(11, 16), i.resolvedAt?.slice(11, 16)])).toEqual([
      ['08:22', '08:26'],
      ['08:52', '08:56'],
      ['09:22', '09:26'],
      ['09:42', '09:50'],
    ]);
    expect(rule!.incidents.slice(0, 3).map((i) => i.users.top.map((u) => u.username))).toEqual([
      ['dana'],
      ['dana'],
      ['dana'],
    ]);
    const outage = rule!.incidents[3]!;
    expect(outage.users.top.map((u) => u.username)).toEqual(OUTAGE_USERS);
    expect(outage.users.top[0]).toMatchObject({ faults: 18, requests: 18 });
    expect(outage.peak).toEqual({ count: 12, minute: '2026-11-20T09:40:00.000Z' });
    // The filter leaves anonymous shoppers out, so none are counted.
    expect(outage.users.anonymousRequests).toBe(0);
    expect(outage.reason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints/);
  });

  it('compares an edited alarm with the shipped one: "paged 1 time instead of 4; 3 of the 4 hurt one user"', async () => {
    const report = await json(['registered-user-faults', day, '--set', 'alarm.datapointsToAlarm=3']);
    expect(report.rules.map((r) => [r.variant, r.pages])).toEqual([
      ['current', 4],
      ['edited', 1],
    ]);
    expect(report.comparison).toMatchObject({
      changes: ['alarm.datapointsToAlarm: 2 → 3'],
      currentOneUser: 3,
      kept: 1,
      dropped: 3,
      droppedOneUser: 3,
      added: 0,
      usersNoLongerNamed: ['dana'],
    });
    expect(report.comparison!.summary[0]).toBe(
      'The edited rule would have paged 1 time instead of 4; 3 of the 4 hurt one user.',
    );
  });

  it('an edited filter counts anonymous and unattributed traces, with their share', async () => {
    const report = await json(['registered-user-faults', day, '--expr', 'fault']);
    const outage = report.rules[1]!.incidents.at(-1)!;
    // Per outage minute: 12 faults of the four users, 2 anonymous, 1 without a username.
    expect(outage.users).toMatchObject({ anonymousRequests: 12, unattributedTraces: 6, totalTraces: 90 });
    expect(outage.users.anonymousShare).toBeCloseTo(12 / 90, 3);
  });

  it('gives an Insights-only rule an alarm with --set, beside "no alarm"', async () => {
    const report = await json(['anonymous-users', day, '--set', 'alarm.threshold=1']);
    expect(report.rules.map((r) => [r.variant, r.alarm === null, r.pages])).toEqual([
      ['current', true, 0],
      ['edited', false, 1],
    ]);
    expect(report.comparison!.changes[0]).toMatch(
      /^alarm: \(none\) → Sum GreaterThanThreshold 1, 1 of 1 × 60 s/,
    );
  });

  it('reads the local pipeline’s traces and GetTraceSummaries pages, shape detected per line', async () => {
    const at = DAY_START_MS;
    const local = {
      id: '1-00000001-000000000000000000000001',
      startTime: at / 1000,
      responseTime: 0.1,
      http: { status: 502 },
      fault: true,
      annotations: { username: ['zoe'] },
      segments: [{ id: 'x' }],
    };
    const page = {
      TraceSummaries: [
        wireSummary({ atMs: at + 60_000, user: 'zoe', fault: true }),
        {
          ...wireSummary({ atMs: at + 61_000, user: 'yan', fault: true }),
          StartTime: new Date(at + 61_000).toISOString(),
        },
      ],
    };
    const file = writeTraceFile([local, page]);
    const report = await json(['registered-user-faults', file]);
    expect(report.source).toMatchObject({ kind: 'file', traces: 3, byShape: { summary: 2, trace: 1 } });
    expect(report.rules[0]!.incidents[0]!.users.top.map((u) => u.username)).toEqual(['zoe', 'yan']);
  });

  it('skips malformed lines with file and line number, reads the rest and counts what it skipped', async () => {
    const lines = shopDaySummaries().map((s) => JSON.stringify(s));
    lines.splice(3, 0, '{"Id": "1-x", "StartTime": "yesterday"}', 'not json', '[1,2]');
    lines.splice(10, 0, '   ');
    const file = writeTraceFile(lines);
    const io = capture();
    expect(await run(['registered-user-faults', file, '--json'])).toBe(0);
    const err = io.err();
    expect(err).toContain(`warning: ${file}:4: not a TraceSummary: StartTime:`);
    expect(err).toContain(`warning: ${file}:5: not JSON (`);
    expect(err).toContain(`warning: ${file}:6: a JSON array, not an object`);
    expect(err).toContain('skipped 3 malformed lines of 1306; read the rest');
    const report = JSON.parse(io.out()) as BacktestReport;
    expect(report.source).toMatchObject({ traces: 1302, skippedLines: 3 });
    expect(report.rules[0]!.pages).toBe(4);
  });

  it('writes an email-safe HTML report: no scripts, no styles blocks, nothing fetched, text escaped', async () => {
    const file = writeTraceFile([
      wireSummary({ atMs: DAY_START_MS, user: '<img src=x onerror=alert(1)>', fault: true }),
      wireSummary({ atMs: DAY_START_MS + 60_000, user: '<img src=x onerror=alert(1)>', fault: true }),
    ]);
    const html = join(mkdtempSync(join(tmpdir(), 'backtest-html-')), 'report.html');
    const io = capture();
    expect(await run(['registered-user-faults', file, '--html', html])).toBe(0);
    expect(io.err()).toContain(`wrote ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).not.toMatch(/<(script|style|img|link|iframe)\b|url\(|<[^>]*\s(src|href)=/i);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('Would have paged 1 time');
    // The chart: one column per minute, the breaching bar red.
    expect(page).toContain('background-color:#c9372c');
  });

  describe('bad input: a clear message and exit code 2, never a stack trace', () => {
    const empty = writeTraceFile([]);
    const junk = writeTraceFile(['nope', '{"a": 1}']);
    const cases: [string, string[], string][] = [
      [
        'unknown rule',
        ['registred-user-faults', day],
        'unknown rule id "registred-user-faults"; did you mean "registered-user-faults"?',
      ],
      [
        'expression that does not parse',
        ['registered-user-faults', day, '--expr', 'fault && responsetime > 3'],
        '1:7 X-Ray has no "&&": use AND',
      ],
      [
        'missing file',
        ['registered-user-faults', join(tmpdir(), 'no-such-dir', 'traces.jsonl')],
        'no-such-dir/traces.jsonl: no such file',
      ],
      ['a directory', ['registered-user-faults', tmpdir()], 'not a file'],
      ['empty file', ['registered-user-faults', empty], 'is empty: no traces to replay'],
      [
        'only malformed lines',
        ['registered-user-faults', junk],
        'has no usable trace: 2 of 2 lines are malformed',
      ],
      ['a rule without an alarm', ['registered-users', day], 'rule "registered-users" has no alarm'],
      [
        '--set beyond the schema',
        ['registered-user-faults', day, '--set', 'alarm.datapointsToAlarm=4'],
        'datapointsToAlarm (4) cannot exceed evaluationPeriods (3)',
      ],
      [
        '--set of the wrong type',
        ['registered-user-faults', day, '--set', 'alarm.threshold=high'],
        'at alarm.threshold: Invalid input: expected number, received string',
      ],
      [
        '--set of an unknown field',
        ['registered-user-faults', day, '--set', 'alarm.treshold=1'],
        'Unrecognized key: "treshold"',
      ],
      [
        '--set without a value',
        ['registered-user-faults', day, '--set', 'alarm.threshold'],
        'expected <field.path>=<value>',
      ],
      [
        '--live beyond X-Ray’s 30 days',
        ['registered-user-faults', '--live', '--since', '45d'],
        'X-Ray keeps traces for 30 days: --since 45d starts',
      ],
      [
        '--live window in the future',
        ['registered-user-faults', '--live', '--since', '1h', '--until', '2999-01-01T00:00:00Z'],
        'is in the future',
      ],
      [
        '--live and a file',
        ['registered-user-faults', day, '--live'],
        '--live reads X-Ray: drop the trace file',
      ],
      [
        '--since that is not a time',
        ['registered-user-faults', day, '--since', 'last tuesday'],
        'takes an ISO time',
      ],
      [
        '--since after --until',
        ['registered-user-faults', day, '--since', '2026-11-20T10:00:00Z', '--until', '2026-11-20T09:00:00Z'],
        'the window is empty',
      ],
      [
        'a span with no traces',
        ['registered-user-faults', day, '--since', '2030-01-01T00:00:00Z'],
        'none of the 1302 traces',
      ],
      ['--expr with --all', ['--all', day, '--expr', 'fault'], '--expr and --set edit one rule'],
      ['an unknown option', ['registered-user-faults', '--frobnicate'], "Unknown option '--frobnicate'"],
      ['no rule', [], 'which rule? give its id, or --all'],
      [
        '--max-traces that is not a number',
        ['registered-user-faults', '--live', '--max-traces', 'lots'],
        '--max-traces must be a whole number',
      ],
      [
        '--max-time that is not a duration',
        ['registered-user-faults', '--live', '--max-time', 'forever'],
        '--max-time must be a duration',
      ],
    ];
    it.each(cases)('%s', async (_name, argv, message) => {
      const io = capture();
      expect(await run(argv)).toBe(2);
      expect(io.err()).toContain(message);
      expect(io.err()).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(io.out()).toBe('');
    });
  });
});
