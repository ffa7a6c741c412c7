/**
 * `npm start` options, parsed with node:util `parseArgs`. Anything unknown or malformed is a
 * {@link UsageError} whose message says what was wrong and how to ask for help.
 */
import { parseArgs } from 'node:util';
import { TRACING_BACKENDS, type TracingBackend } from '../../functions/shared/tracing';
import { SCENARIO_NAMES, type ScenarioName } from './presets';

export interface RunOptions {
  scenario: ScenarioName;
  seed: number;
  /** Virtual minutes of traffic; undefined keeps the scenario's own length. */
  durationMinutes: number | undefined;
  /** Virtual seconds per wall second; undefined runs as fast as the machine allows. */
  speed: number | undefined;
  /** Copies of every event the bus delivers (at-least-once delivery). */
  duplicates: number;
  /** GetTraceSummaries calls the X-Ray stand-in throttles once the fault starts. */
  xrayThrottles: number;
  outDir: string;
  /** How the functions send their traces: the X-Ray SDK (default) or OpenTelemetry over OTLP. */
  tracing: TracingBackend;
  /** Run every function from its deployment bundle (infra/constructs/bundling.ts) instead of source. */
  bundled: boolean;
  /** Plain lines instead of the live view, whatever the terminal. */
  plain: boolean;
  help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm start -- [options]

  --scenario <name>    ${SCENARIO_NAMES.join(' | ')} (default: default)
  --seed <n>           PRNG seed: same seed, same shoppers, traffic and ground truth (default: 42)
  --duration <min>     virtual minutes of traffic (default: the scenario's)
  --speed <x>          virtual seconds per wall second, or "max" (default: max)
  --duplicates <n>     deliver every event n times, as EventBridge may (default: 1)
  --xray-throttles <n> X-Ray throttles the next n GetTraceSummaries calls when the fault starts (default: 0)
  --tracing <backend>  xray (X-Ray SDK, UDP daemon) | otel (OpenTelemetry, OTLP/HTTP) (default: xray)
  --bundled            run every function from the bundle the stacks deploy, not from source
  --out <dir>          where Slack threads, emails, digest, traces and summary.json go (default: out)
  --plain              plain log lines instead of the live view
  -h, --help           this text
`;

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
        out: { type: 'string', default: 'out' },
        tracing: { type: 'string', default: 'xray' },
        bundled: { type: 'boolean', default: false },
        plain: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
  const scenario = values.scenario;
  if (!isScenarioName(scenario)) {
    throw new UsageError(`--scenario must be one of ${SCENARIO_NAMES.join(', ')}, not "${scenario}"`);
  }
  const tracing = values.tracing;
  if (!(TRACING_BACKENDS as readonly string[]).includes(tracing)) {
    throw new UsageError(`--tracing must be one of ${TRACING_BACKENDS.join(', ')}, not "${tracing}"`);
  }
  return {
    scenario,
    seed: integer('--seed', values.seed, 0),
    durationMinutes: values.duration === undefined ? undefined : integer('--duration', values.duration, 1),
    speed: values.speed === 'max' ? undefined : positive('--speed', values.speed),
    duplicates: integer('--duplicates', values.duplicates, 1),
    xrayThrottles: integer('--xray-throttles', values['xray-throttles'], 0),
    outDir: values.out,
    tracing: tracing as TracingBackend,
    bundled: values.bundled,
    plain: values.plain,
    help: values.help,
  };
}

function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(value);
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
