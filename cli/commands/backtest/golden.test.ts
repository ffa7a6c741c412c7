/**
 * Golden files for the backtest's text and JSON output on the hand-built shop day of
 * test-support.ts. After an intended change, regenerate and review the diff:
 *
 *     npm run golden:update
 */
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectGolden } from '../../../test/golden';
import { repoRuleSource } from '../../repo-rules';
import { depsFor, run } from '../backtest';
import { shopDaySummaries, writeTraceFile } from './test-support';

const dir = new URL('./__golden__/', import.meta.url);
const cwd = process.cwd();
const compare = (name: string, actual: string) => expectGolden(dir, name, actual);

async function output(argv: string[]): Promise<string> {
  const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    expect(await run(argv, depsFor(repoRuleSource))).toBe(0);
    return out.mock.calls.map((c) => String(c[0])).join('\n') + '\n';
  } finally {
    vi.restoreAllMocks();
  }
}

beforeAll(() => {
  // Relative path, so the output names the file the same way on every machine.
  process.chdir(dirname(writeTraceFile(shopDaySummaries())));
});
afterAll(() => process.chdir(cwd));

describe('backtest golden files', () => {
  const edited = ['registered-user-faults', 'traces.jsonl', '--set', 'alarm.datapointsToAlarm=3'];

  it('text: the shipped rule beside 3 of 3', async () => {
    compare('faults-3-of-3.txt', await output(edited));
  });

  it('JSON: the same report as data', async () => {
    compare('faults-3-of-3.json', await output([...edited, '--json']));
  });

  it('text: every rule with an alarm', async () => {
    compare('all.txt', await output(['--all', 'traces.jsonl']));
  });
});
