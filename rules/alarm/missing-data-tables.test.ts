/**
 * The CloudWatch User Guide's missing-data tables, as transcribed in
 * docs/cloudwatch-alarm-evaluation.md, are the evaluator's specification: every cell, with the
 * alarm currently OK and currently ALARM, through `evaluateAlarm()` as the pipeline calls it
 * (the evaluation range of `evaluationRangePeriods()`, oldest first).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AlarmSettings } from '../schema';
import { evaluateAlarm, evaluationRangePeriods, type AlarmStateValue, type PeriodDatapoint } from '.';

const DOC = new URL('../../docs/cloudwatch-alarm-evaluation.md', import.meta.url);
const TREATMENTS = ['missing', 'ignore', 'breaching', 'notBreaching'] as const;
const CURRENT: AlarmStateValue[] = ['OK', 'ALARM'];
const PERIOD_MS = 300_000;
const T0 = Date.parse('2019-02-08T11:00:00Z');

interface Row {
  table: string;
  pattern: string;
  datapointsToAlarm: number;
  expected: Record<(typeof TREATMENTS)[number], AlarmStateValue | 'Retain'>;
}

/** The rows of the markdown table that follows the line starting with `title`. */
function tableRows(markdown: string, title: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(title));
  if (start === -1) throw new Error(`no "${title}" in ${DOC.pathname}`);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('|')) inTable = true;
    else if (inTable) break;
    else continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells[0] === 'Data points' || /^-+$/.test(cells[0] ?? '')) continue;
    rows.push(cells);
  }
  return rows;
}

function readRows(): Row[] {
  const markdown = readFileSync(DOC, 'utf8');
  const rows: Row[] = [];
  const expected = (cells: string[]) =>
    Object.fromEntries(TREATMENTS.map((t, i) => [t, cells[2 + i]])) as Row['expected'];
  for (const [table, m] of [
    ['Table A', 3],
    ['Table B', 2],
  ] as const) {
    for (const cells of tableRows(markdown, table))
      rows.push({ table, pattern: cells[0]!, datapointsToAlarm: m, expected: expected(cells) });
  }
  for (const cells of tableRows(markdown, 'Table C'))
    rows.push({
      table: 'Table C',
      pattern: cells[0]!,
      datapointsToAlarm: Number(cells[1]),
      expected: expected(cells),
    });
  return rows;
}

const settings = (treatMissingData: AlarmSettings['treatMissingData'], m: number): AlarmSettings => ({
  statistic: 'Sum',
  periodSeconds: PERIOD_MS / 1000,
  evaluationPeriods: 3,
  datapointsToAlarm: m,
  threshold: 0,
  comparison: 'GreaterThanThreshold',
  treatMissingData,
});

/** `0 - X - X` → five periods, oldest first: 0 does not breach `> 0`, X (1) does, - is missing. */
function range(pattern: string): PeriodDatapoint[] {
  return pattern.split(' ').map((c, i) => ({
    start: T0 + i * PERIOD_MS,
    value: c === '-' ? undefined : c === 'X' ? 1 : 0,
  }));
}

const rows = readRows();
const cases = rows.flatMap((row) =>
  TREATMENTS.flatMap((treatment) =>
    CURRENT.map((current) => ({
      row,
      treatment,
      current,
      want: row.expected[treatment] === 'Retain' ? current : (row.expected[treatment] as AlarmStateValue),
    })),
  ),
);

describe("CloudWatch's missing-data tables", () => {
  it('are read from the docs: 11 rows of the 2019 revision and 2 of the current one', () => {
    expect(rows.filter((r) => r.table !== 'Table C')).toHaveLength(11);
    expect(rows.filter((r) => r.table === 'Table C')).toHaveLength(2);
    expect(cases).toHaveLength(104);
    for (const row of rows) {
      expect(row.pattern).toMatch(/^[0X-]( [0X-]){4}$/);
      for (const t of TREATMENTS)
        expect(['OK', 'ALARM', 'INSUFFICIENT_DATA', 'Retain']).toContain(row.expected[t]);
    }
  });

  it('the evaluation range of a 3-period alarm is the tables’ five datapoints', () => {
    expect(evaluationRangePeriods({ evaluationPeriods: 3 })).toBe(5);
  });

  it.each(cases.map((c) => [c.row.table, c.row.pattern, c.treatment, c.current, c.want, c] as const))(
    '%s  %s  %s, currently %s → %s',
    (_table, pattern, treatment, current, want, c) => {
      const s = settings(treatment, c.row.datapointsToAlarm);
      const points = range(pattern);
      expect(points).toHaveLength(evaluationRangePeriods(s));
      const state = { value: current, reason: '', timestamp: new Date(T0) };
      const next = evaluateAlarm(s, points, state, new Date(T0 + 5 * PERIOD_MS));
      expect(next.value).toBe(want);
      // No change means no event: the same object comes back.
      expect(next === state).toBe(want === current);
    },
  );
});
