/**
 * `npm run preview:backtest`: the backtest's HTML report for the hand-built shop day of
 * cli/commands/backtest/test-support.ts (the fault rule beside a 3-of-3 copy), written to
 * `out/backtest-preview.html` and, with Debian's `chromium` installed, screenshotted to
 * `out/backtest-preview.png`, so a change to the chart can be looked at. Not part of `npm test`.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { depsFor, run } from '../cli/commands/backtest';
import { repoRuleSource } from '../cli/repo-rules';
import { shopDaySummaries, writeTraceFile } from '../cli/commands/backtest/test-support';
import { noChromiumHint, screenshot } from './chromium-screenshot';

const outDir = resolve(process.cwd(), 'out');
const htmlPath = join(outDir, 'backtest-preview.html');
const pngPath = join(outDir, 'backtest-preview.png');

await mkdir(outDir, { recursive: true });
const traces = writeTraceFile(shopDaySummaries());
const code = await run(
  ['registered-user-faults', traces, '--set', 'alarm.datapointsToAlarm=3', '--html', htmlPath],
  depsFor(repoRuleSource),
);
if (code !== 0) process.exit(code);
if (await screenshot(htmlPath, pngPath, '800,2000')) console.log(`wrote ${pngPath}`);
else console.log(noChromiumHint(htmlPath, 'npm run preview:backtest'));
