/**
 * `npm start` options, parsed with node:util `parseArgs`. Anything unknown or malformed is a
 * {@link UsageError} whose message says what was wrong and how to ask for help.
 */
import { parseArgs } from 'node:util';
import { TRACING_BACKENDS, type TracingBackend } from '../../functions/shared/tracing';
import { TIMING_ASSUMPTIONS, type TimingAssumption } from '../aws-timing';
import { scenarioNames } from './load';

export interface RunOptions {
  /** A shipped scenario's name (local/scenarios/<name>.yaml) or a path to a scenario file. */
  scenario: string;
  seed: number;
  /** Virtual minutes of traffic; undefined keeps the scenario's own length. */
  durationMinutes: number | undefined;
  /** Virtual seconds per wall second; undefined runs as fast as the machine allows. */
  speed: number | undefined;
  /** Copies of every event the bus delivers (at-least-once delivery). */
  duplicates: number;
  /** GetTraceSummaries calls the X-Ray stand-in throttles once the first fault starts. */
  xrayThrottles: number;
  /** AWS-like timing assumptions turned off (local/aws-timing.ts); all of them with `--timing ideal`. */
  timingOff: TimingAssumption[];
  outDir: string;
  /** How the functions send their traces: the X-Ray SDK (default) or OpenTelemetry over OTLP. */
  tracing: TracingBackend;
  /** Run every function from its deployment bundle (infra/constructs/bundling.ts) instead of source. */
  bundled: boolean;
  /** Seed of a chaos plan (local/chaos/plan.ts); undefined: no chaos. */
  chaos: number | undefined;
  /** Plain lines instead of the live view, whatever the terminal. */
  plain: boolean;
  help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function usage(): string {
  return `Usage: npm start -- [options]

  --scenario <name|path>  ${scenarioNames().join(' | ')}
                          or a scenario file (default: default)
  --seed <n>              PRNG seed: same seed, same shoppers, traffic, sampling, faults and
                          AWS delays (default: 42)
  --duration <min>        virtual minutes of traffic (default: the scenario's; faults keep their times)
  --speed <x>             virtual seconds per wall second, or "max" (default: max)
  --duplicates <n>        deliver every event n times, as EventBridge may (default: 1)
  --xray-throttles <n>    X-Ray throttles the next n GetTraceSummaries calls when the first fault
                          starts (default: 0)
  --timing <aws|ideal>    AWS-like delays, paging and rate limits, or none (default: aws)
  --timing-off <names>    turn single assumptions off, comma-separated:
                          ${TIMING_ASSUMPTIONS.join(', ')}
  --tracing <backend>     xray (X-Ray SDK, UDP daemon) | otel (OpenTelemetry, OTLP/HTTP)
                          (default: xray)
  --bundled               run every function from the bundle the stacks deploy, not from source
  --chaos <seed>          reorder, copy and concurrently deliver events, kill notifier
                          invocations at its probe points (retried as Lambda does), and
                          answer bursts of Slack 429s, all drawn from <seed>; the summary
                          checks the chaos invariants (exit 1 on any violation)
  --out <dir>             where Slack threads, emails, digest, traces, summary.json and
                          report.html go (default: out)
  --plain                 plain log lines instead of the live view
  -h, --help              this text
`;
}

export function parseRunArgs(argv: readonly string[]): RunOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string', default: 'default' },
        seed: { type: 'string', default: '42' },
        duration: { type: 'string' },
        speed: { type: 'string', default: 'max' },
        duplicates: { type: 'string', default: '1' },
        'xray-throttles': { type: 'string', default: '0' },
        timing: { type: 'string', default: 'aws' },
        'timing-off': { type: 'string', default: '' },
        out: { type: 'string', default: 'out' },
        tracing: { type: 'string', default: 'xray' },
        bundled: { type: 'boolean', default: false },
        chaos: { type: 'string' },
        plain: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
  if (values.scenario.trim() === '') throw new UsageError('--scenario needs a name or a path');
  const tracing = values.tracing;
  if (!(TRACING_BACKENDS as readonly string[]).includes(tracing)) {
    throw new UsageError(`--tracing must be one of ${TRACING_BACKENDS.join(', ')}, not "${tracing}"`);
  }
  return {
    scenario: values.scenario,
    seed: integer('--seed', values.seed, 0),
    durationMinutes: values.duration === undefined ? undefined : integer('--duration', values.duration, 3),
    speed: values.speed === 'max' ? undefined : positive('--speed', values.speed),
    duplicates: integer('--duplicates', values.duplicates, 1),
    xrayThrottles: integer('--xray-throttles', values['xray-throttles'], 0),
    timingOff: timingOff(values.timing, values['timing-off']),
    outDir: values.out,
    tracing: tracing as TracingBackend,
    bundled: values.bundled,
    chaos: values.chaos === undefined ? undefined : integer('--chaos', values.chaos, 0),
    plain: values.plain,
    help: values.help,
  };
}

function timingOff(timing: string, off: string): TimingAssumption[] {
  if (timing !== 'aws' && timing !== 'ideal')
    throw new UsageError(`--timing must be aws or ideal, not "${timing}"`);
  if (timing === 'ideal') return [...TIMING_ASSUMPTIONS];
  const names = off
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(TIMING_ASSUMPTIONS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new UsageError(
      `--timing-off: unknown ${unknown.join(', ')} (known: ${TIMING_ASSUMPTIONS.join(', ')})`,
    );
  return names as TimingAssumption[];
}

function integer(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag} must be a whole number ≥ ${min}, not "${text}"`);
  }
  return value;
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag} must be a positive number or "max", not "${text}"`);
  return value;
}
