/**
 * `npm start`: the whole pipeline, locally and offline, on the project's real code (see
 * local/pipeline/run.ts). Shows a live view while it runs, then the summary; exits 0 when the
 * run's checks pass, 1 when one fails (the summary says which and why), 2 on a usage error,
 * 130 on Ctrl-C (after closing every port).
 *
 * A bad scenario file (or `--duration` that cuts a fault) is a usage error too: exit 2 with
 * every problem, its file, line and path.
 *
 * Slack: the local Slack stand-in, unless SLACK_BOT_TOKEN is set; then pages go to the real
 * workspace (the bot must be in the rule set's channels) and the Slack checks are skipped.
 */
import { runPipeline } from './pipeline/run';
import { ScenarioError } from './scenario/load';
import { parseRunArgs, usage, UsageError, type RunOptions } from './scenario/options';
import { formatSummary } from './summary';
import { createView } from './view';

// Bound now: the Lambda runner redirects process.stdout while a function runs.
const write = process.stdout.write.bind(process.stdout);

function options(): RunOptions {
  try {
    return parseRunArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage()}`);
    process.exit(2);
  }
}

const opts = options();
if (opts.help) {
  write(usage());
  process.exit(0);
}

const live = !opts.plain && process.stdout.isTTY === true && process.env.CI !== 'true';
const view = createView({ live, write });
const controller = new AbortController();
process.on('SIGINT', () => {
  // A second Ctrl-C while closing means "now".
  if (controller.signal.aborted) process.exit(130);
  view.note('Ctrl-C: stopping and closing every port…');
  controller.abort();
});

try {
  const { summary } = await runPipeline({
    ...opts,
    realSlackToken: process.env.SLACK_BOT_TOKEN || undefined,
    reporter: view,
    signal: controller.signal,
  });
  view.close();
  write(
    `\n${formatSummary(summary)}\n\nEverything is under ${opts.outDir}/ (report.html to look at; summary.json, slack/, emails/, digest.*, traces.jsonl, trace-summaries.jsonl, events.jsonl, logs/).\n`,
  );
  process.exitCode = summary.ok ? 0 : 1;
} catch (error) {
  view.close();
  if (controller.signal.aborted) {
    write('\nInterrupted: the stand-ins are closed and nothing is left running.\n');
    process.exitCode = 130;
  } else if (error instanceof ScenarioError || error instanceof RangeError) {
    process.stderr.write(`\n${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `\nThe run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
