/**
 * CloudWatch metric-alarm evaluation as a pure function: the datapoints of the evaluation
 * range in, the alarm's next state out. The local pipeline calls it once a minute per alarm;
 * `npm run rules -- backtest` calls it for every minute of a trace file. Specification and
 * sources: docs/cloudwatch-alarm-evaluation.md (the User Guide's missing-data tables are its
 * test data, every cell of them).
 *
 * CloudWatch retrieves more periods than Evaluation Periods (N): the *evaluation range*,
 * `evaluationRangePeriods(settings)` of them. With M = Datapoints to Alarm:
 *
 * | datapoints present in the range | treatMissingData         | evaluated                              | state                                     |
 * |---------------------------------|--------------------------|----------------------------------------|-------------------------------------------|
 * | ≥ N                             | any (not consulted)      | the N most recent present ones         | ALARM if ≥ M breach, else OK              |
 * | < N                             | breaching / notBreaching | all present + the most recent missing  | ALARM if ≥ M breach, else OK              |
 * |                                 |                          | ones, filled as breaching / not        |                                           |
 * | 0                               | missing                  | nothing                                | INSUFFICIENT_DATA                         |
 * | 0                               | ignore                   | nothing                                | unchanged                                 |
 * | 1 … N-1                         | missing / ignore         | the present ones                       | ALARM if ≥ M breach; else OK if one of    |
 * |                                 |                          |                                        | them does not breach; else (all breach,   |
 * |                                 |                          |                                        | fewer than M): see the next row           |
 * | 1 … N-1, all breaching, < M     | missing                  | the present ones                       | ALARM if the oldest is ≥ M periods old    |
 * |                                 |                          |                                        | ("premature alarm" rule), else            |
 * |                                 |                          |                                        | INSUFFICIENT_DATA                         |
 * | 1 … N-1, all breaching, < M     | ignore                   | the present ones                       | unchanged                                 |
 *
 * Rejected: judging only the last N periods (what this evaluator did before): it disagrees
 * with 21 of the 88 published cases, e.g. `0 X X - X` at 3 of 3 stays OK where CloudWatch
 * alarms, and an alarm on a sparse metric would clear as soon as N minutes are empty, where
 * CloudWatch keeps judging the older datapoints still in the range.
 */
import type { AlarmSettings } from '../schema';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  /** JSON string, as CloudWatch puts it in events; absent for the initial state. */
  reasonData?: string;
  timestamp: Date;
}

/** One period of the alarm's metric as CloudWatch retrieves it. */
export interface PeriodDatapoint {
  /** Period start, epoch ms. */
  start: number;
  /** The statistic over the period; undefined when no datapoint was published (missing data). */
  value: number | undefined;
}

/**
 * Periods of the evaluation range beyond Evaluation Periods. AWS does not publish how the
 * range is sized ("depends on the length of the alarm period and whether it is … high
 * resolution"); its tables retrieve 5 datapoints for 3 evaluation periods, so the range here
 * is N + 2 for every period. An assumption, named in docs/cloudwatch-alarm-evaluation.md.
 */
export const EXTRA_RANGE_PERIODS = 2;

/** How many periods to retrieve (oldest first, ending now) and pass to {@link evaluateAlarm}. */
export function evaluationRangePeriods(settings: Pick<AlarmSettings, 'evaluationPeriods'>): number {
  return settings.evaluationPeriods + EXTRA_RANGE_PERIODS;
}

export function initialAlarmState(at: Date): AlarmState {
  return { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: at };
}

export function breaches(value: number, settings: Pick<AlarmSettings, 'comparison' | 'threshold'>): boolean {
  switch (settings.comparison) {
    case 'GreaterThanThreshold':
      return value > settings.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= settings.threshold;
    case 'LessThanThreshold':
      return value < settings.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= settings.threshold;
  }
}

/** A datapoint as judged: `filled` when a missing one stands in as breaching or not. */
export interface JudgedDatapoint extends PeriodDatapoint {
  breach: boolean;
  filled: boolean;
}

export type DecisionBasis =
  /** Enough real datapoints, or too few but the treatment filled the rest. */
  | 'datapoints'
  /** Too few real datapoints, treatment `missing`/`ignore`: judged on the present ones. */
  | 'present'
  /** Only older breaching datapoints, then nothing: ALARM by the premature-alarm rule. */
  | 'premature'
  /** Only breaching datapoints, too few and too recent to decide. */
  | 'undecided'
  /** Nothing in the evaluation range. */
  | 'no-data';

export interface AlarmDecision {
  /** The state CloudWatch would set; `undefined` means "keep the current one" (`ignore`). */
  value: AlarmStateValue | undefined;
  basis: DecisionBasis;
  /** Oldest first. */
  evaluated: JudgedDatapoint[];
  breaching: number;
}

/**
 * The decision alone (no reason text): which state the datapoints call for. `range` is the
 * evaluation range, oldest first, at least Evaluation Periods long.
 */
export function decideAlarm(settings: AlarmSettings, range: readonly PeriodDatapoint[]): AlarmDecision {
  const n = settings.evaluationPeriods;
  const m = settings.datapointsToAlarm;
  if (range.length < n) {
    throw new RangeError(`the evaluation range has ${range.length} periods; the alarm evaluates ${n}`);
  }
  const judged = (p: PeriodDatapoint, breach: boolean, filled: boolean): JudgedDatapoint => ({
    start: p.start,
    value: p.value,
    breach,
    filled,
  });
  const present = range.filter((p) => p.value !== undefined);
  const real = present.map((p) => judged(p, breaches(p.value!, settings), false));
  const count = (points: readonly JudgedDatapoint[]) => points.filter((p) => p.breach).length;

  if (real.length >= n) {
    const evaluated = real.slice(-n);
    const breaching = count(evaluated);
    return { value: breaching >= m ? 'ALARM' : 'OK', basis: 'datapoints', evaluated, breaching };
  }

  const treatment = settings.treatMissingData;
  if (treatment === 'breaching' || treatment === 'notBreaching') {
    // "CloudWatch uses missing data points only as few times as possible": the most recent ones.
    const missing = range.filter((p) => p.value === undefined).slice(-(n - real.length));
    const filled = missing.map((p) => judged(p, treatment === 'breaching', true));
    const evaluated = [...real, ...filled].sort((a, b) => a.start - b.start);
    const breaching = count(evaluated);
    return { value: breaching >= m ? 'ALARM' : 'OK', basis: 'datapoints', evaluated, breaching };
  }

  if (real.length === 0) {
    return {
      value: treatment === 'missing' ? 'INSUFFICIENT_DATA' : undefined,
      basis: 'no-data',
      evaluated: [],
      breaching: 0,
    };
  }
  const breaching = count(real);
  if (breaching >= m) return { value: 'ALARM', basis: 'present', evaluated: real, breaching };
  if (breaching < real.length) return { value: 'OK', basis: 'present', evaluated: real, breaching };
  if (treatment === 'missing') {
    // Age 1 is the most recent period of the range.
    const oldestAge = range.length - range.indexOf(present[0]!);
    if (oldestAge >= m) return { value: 'ALARM', basis: 'premature', evaluated: real, breaching };
    return { value: 'INSUFFICIENT_DATA', basis: 'undecided', evaluated: real, breaching };
  }
  return { value: undefined, basis: 'undecided', evaluated: real, breaching };
}

/**
 * The alarm's state after one evaluation at `now`. `range`: the evaluation range, oldest
 * first, `evaluationRangePeriods(settings)` periods ending at the evaluation (periods without
 * a datapoint have `value: undefined`). Returns `current` itself when the state does not
 * change, so `next !== current` means a state change (an event).
 */
export function evaluateAlarm(
  settings: AlarmSettings,
  range: readonly PeriodDatapoint[],
  current: AlarmState,
  now: Date,
): AlarmState {
  const decision = decideAlarm(settings, range);
  const value = decision.value ?? current.value;
  if (value === current.value) return current;
  return {
    value,
    reason: reasonText(settings, decision, current.value, value),
    reasonData: reasonData(settings, decision, range, now),
    timestamp: now,
  };
}

const WORDS: Record<AlarmSettings['comparison'], string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

function reasonText(
  settings: AlarmSettings,
  decision: AlarmDecision,
  from: AlarmStateValue,
  to: AlarmStateValue,
): string {
  const { evaluated, breaching, basis } = decision;
  const n = settings.evaluationPeriods;
  const treated = settings.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
  if (to === 'INSUFFICIENT_DATA') {
    return basis === 'no-data'
      ? 'Insufficient Data: no datapoints were received for the evaluation range.'
      : `Insufficient Data: ${plural(evaluated.length, 'datapoint')} received for the evaluation range, fewer than the ${n} needed and too recent to decide.`;
  }
  const filled = evaluated.filter((p) => p.filled).length;
  // CloudWatch's own wording when every evaluated datapoint was missing.
  if (filled === evaluated.length && filled > 0) {
    return (
      `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ` +
      `${plural(filled, 'missing datapoint')} ${filled === 1 ? 'was' : 'were'} treated as [${treated}].`
    );
  }
  const wanted = to === 'ALARM';
  const shown = evaluated
    .filter((p) => !p.filled && p.breach === wanted)
    .reverse()
    .map((p) => `${p.value} (${shortDate(new Date(p.start))})`);
  const count = wanted ? breaching : evaluated.length - breaching;
  const verb = wanted ? (count === 1 ? 'was' : 'were') : count === 1 ? 'was not' : 'were not';
  const min = wanted ? settings.datapointsToAlarm : 1;
  const missingNote = filled > 0 ? ` (${plural(filled, 'missing datapoint')} treated as [${treated}])` : '';
  const last =
    basis === 'datapoints'
      ? `out of the last ${n} datapoints`
      : `out of the ${plural(evaluated.length, 'datapoint')} received in the evaluation range`;
  const premature =
    basis === 'premature'
      ? ', and no datapoint was received after them (oldest breaching datapoint at least as old as the datapoints to alarm)'
      : '';
  return (
    `Threshold Crossed: ${count} ${last} [${shown.join(', ')}]${missingNote} ` +
    `${verb} ${WORDS[settings.comparison]} the threshold (${settings.threshold.toFixed(1)})${premature} ` +
    `(minimum ${plural(min, 'datapoint')} for ${from} -> ${to} transition).`
  );
}

function reasonData(
  settings: AlarmSettings,
  decision: AlarmDecision,
  range: readonly PeriodDatapoint[],
  now: Date,
): string {
  const evaluated = decision.evaluated.length > 0 ? decision.evaluated : range;
  return JSON.stringify({
    version: '1.0',
    queryDate: cloudWatchTimestamp(now),
    startDate: cloudWatchTimestamp(new Date(evaluated[0]?.start ?? now.getTime())),
    statistic: settings.statistic,
    period: settings.periodSeconds,
    recentDatapoints: evaluated.flatMap((p) => (p.value === undefined ? [] : [p.value])),
    threshold: settings.threshold,
    evaluatedDatapoints: [...evaluated].reverse().map((p) => ({
      timestamp: cloudWatchTimestamp(new Date(p.start)),
      ...(p.value === undefined ? {} : { sampleCount: 1, value: p.value }),
    })),
  });
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `2019-10-02T17:04:40.989+0000`: the format CloudWatch uses in alarm events. */
export function cloudWatchTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** `02/10/19 16:59:00` (dd/mm/yy), as in CloudWatch reasons. */
function shortDate(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}
