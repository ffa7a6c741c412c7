/**
 * The backtest against the pipeline it models: `npm start`'s run (short scenario) pages from
 * its alarms; `npm run rules -- backtest --all` over the traces that run wrote must find the
 * same incidents, starting within a minute of the run's ALARM events, naming the same users
 * the run's pages named.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { depsFor, run } from '../../cli/commands/backtest';
import { repoRuleSource } from '../../cli/repo-rules';
import type { BacktestReport } from '../../cli/commands/backtest/report';
import { ruleIdFromAlarmName } from '../../rules/names';
import { ruleSet } from '../../rules';
import { runShortScenario, type E2eRun } from './support';

let pipeline: E2eRun;
let report: BacktestReport;

interface AlarmEvent {
  time: string;
  detail: { alarmName: string; state: { value: string } };
}

beforeAll(async () => {
  pipeline = await runShortScenario();
  const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  expect(await run(['--all', join(pipeline.outDir, 'traces.jsonl'), '--json'], depsFor(repoRuleSource))).toBe(
    0,
  );
  report = JSON.parse(out.mock.calls.map((c) => String(c[0])).join('\n')) as BacktestReport;
  vi.restoreAllMocks();
}, 90_000);

afterAll(() => pipeline?.cleanup());

const MINUTE = 60_000;

describe('backtest over the traces of npm start', () => {
  it('reproduces every incident the run paged from an alarm: start minute ±1, same users', async () => {
    const events = (await pipeline.read('events.jsonl'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AlarmEvent & { 'detail-type': string })
      .filter((e) => e['detail-type'] === 'CloudWatch Alarm State Change');
    const alarmPages = pipeline.summaryJson.pages.filter((p) => p.kind.split('+').includes('alarm'));
    expect(alarmPages.length).toBeGreaterThan(0);

    for (const page of alarmPages) {
      const fired = events.filter(
        (e) =>
          ruleIdFromAlarmName(ruleSet.namePrefix, e.detail.alarmName) === page.ruleId &&
          e.detail.state.value === 'ALARM',
      );
      const backtested = report.rules.find((r) => r.ruleId === page.ruleId);
      expect(backtested, page.ruleId).toBeDefined();
      // One incident in the run, one in the backtest.
      expect(backtested!.incidents, page.ruleId).toHaveLength(fired.length);
      const incident = backtested!.incidents[0]!;
      const runMinute = Math.floor(Date.parse(fired[0]!.time) / MINUTE);
      const backtestMinute = Math.floor(Date.parse(incident.pagedAt) / MINUTE);
      expect(Math.abs(backtestMinute - runMinute), `${page.ruleId} start`).toBeLessThanOrEqual(1);
      expect(incident.users.top.map((u) => u.username).sort(), `${page.ruleId} users`).toEqual(
        [...page.reportedUsers].sort(),
      );
      expect(incident.resolvedAt, `${page.ruleId} resolved`).not.toBeNull();
    }
  });

  it('pages nothing the run did not page', () => {
    const paged = new Set(
      pipeline.summaryJson.pages.filter((p) => p.kind.includes('alarm')).map((p) => p.ruleId),
    );
    for (const rule of report.rules) expect(rule.pages > 0, rule.ruleId).toBe(paged.has(rule.ruleId));
    expect(report.skipped.map((s) => s.ruleId).sort()).toEqual(
      ruleSet.rules
        .filter((r) => !r.alarm)
        .map((r) => r.id)
        .sort(),
    );
  });
});
