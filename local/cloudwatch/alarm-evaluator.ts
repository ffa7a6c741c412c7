/**
 * CloudWatch alarm evaluation, as a pure function of the datapoints in the evaluation range.
 *
 * Semantics (CloudWatch User Guide, "Evaluating an alarm" and "Configuring how alarms treat
 * missing data"): the last `evaluationPeriods` datapoints are examined; the alarm goes to
 * ALARM when at least `datapointsToAlarm` of them breach. Missing datapoints count as good
 * (`notBreaching`), bad (`breaching`), keep the current state when all are missing
 * (`ignore`), or make the alarm INSUFFICIENT_DATA when all are missing (`missing`).
 * Simplification, documented: with `ignore`/`missing` and some datapoints present, only
 * the present ones are judged (CloudWatch may also look further back).
 */
import type { AlarmSettings } from '../../rules/schema';
import type { PeriodDatapoint } from './group-metrics';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  /** JSON string, as CloudWatch puts it in events; absent for the initial state. */
  reasonData?: string;
  timestamp: Date;
}

export function initialAlarmState(at: Date): AlarmState {
  return { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: at };
}

const WORDS: Record<AlarmSettings['comparison'], string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

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

/** Returns the state after this evaluation (the same `value` means no transition). */
export function evaluateAlarm(
  settings: AlarmSettings,
  datapoints: readonly PeriodDatapoint[],
  current: AlarmState,
  now: Date,
): AlarmState {
  const judged = datapoints.map((p) => ({ ...p, breach: judge(p.value, settings) }));
  const breaching = judged.filter((p) => p.breach === true).length;
  const present = datapoints.filter((p) => p.value !== undefined);

  let value: AlarmStateValue;
  if (breaching >= settings.datapointsToAlarm) value = 'ALARM';
  else if (present.length > 0 || settings.treatMissingData === 'notBreaching') value = 'OK';
  else if (settings.treatMissingData === 'ignore') value = current.value;
  else value = 'INSUFFICIENT_DATA';

  if (value === current.value) return current;
  return {
    value,
    reason: reasonText(settings, judged, breaching, current.value, value),
    reasonData: JSON.stringify({
      version: '1.0',
      queryDate: cloudWatchTimestamp(now),
      startDate: cloudWatchTimestamp(new Date(datapoints[0]?.start ?? now.getTime())),
      statistic: settings.statistic,
      period: settings.periodSeconds,
      recentDatapoints: present.map((p) => p.value),
      threshold: settings.threshold,
      evaluatedDatapoints: [...datapoints].reverse().map((p) => ({
        timestamp: cloudWatchTimestamp(new Date(p.start)),
        ...(p.value === undefined ? {} : { sampleCount: 1, value: p.value }),
      })),
    }),
    timestamp: now,
  };
}

function judge(value: number | undefined, settings: AlarmSettings): boolean | undefined {
  if (value !== undefined) return breaches(value, settings);
  if (settings.treatMissingData === 'breaching') return true;
  if (settings.treatMissingData === 'notBreaching') return false;
  return undefined;
}

function reasonText(
  settings: AlarmSettings,
  judged: ReadonlyArray<PeriodDatapoint & { breach: boolean | undefined }>,
  breaching: number,
  from: AlarmStateValue,
  to: AlarmStateValue,
): string {
  if (to === 'INSUFFICIENT_DATA')
    return 'Insufficient Data: no datapoints were received for the evaluation range.';
  const n = settings.evaluationPeriods;
  const missing = judged.filter((p) => p.value === undefined).length;
  const treated = settings.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
  // CloudWatch's own wording when every datapoint in the range was missing.
  if (missing === judged.length) {
    return (
      `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ` +
      `${plural(missing, 'missing datapoint')} ${missing === 1 ? 'was' : 'were'} treated as [${treated}].`
    );
  }
  const wanted = to === 'ALARM';
  const shown = judged
    .filter((p) => p.value !== undefined && p.breach === wanted)
    .reverse()
    .map((p) => `${p.value} (${shortDate(new Date(p.start))})`);
  const count = wanted ? breaching : judged.length - breaching;
  const verb = wanted ? (count === 1 ? 'was' : 'were') : count === 1 ? 'was not' : 'were not';
  const min = wanted ? settings.datapointsToAlarm : 1;
  const missingNote =
    missing > 0 && settings.treatMissingData !== 'ignore' && settings.treatMissingData !== 'missing'
      ? ` (${plural(missing, 'missing datapoint')} treated as [${treated}])`
      : '';
  return (
    `Threshold Crossed: ${count} out of the last ${n} datapoints [${shown.join(', ')}]${missingNote} ` +
    `${verb} ${WORDS[settings.comparison]} the threshold (${settings.threshold.toFixed(1)}) ` +
    `(minimum ${plural(min, 'datapoint')} for ${from} -> ${to} transition).`
  );
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
