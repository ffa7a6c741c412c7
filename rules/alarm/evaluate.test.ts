import { describe, expect, it } from 'vitest';
import type { AlarmSettings } from '../schema';
import { decideAlarm, evaluateAlarm, type AlarmState } from '.';
import { alarmSettings as settings, minutePoints as points, T0 } from './test-support';

const now = new Date(T0 + 3 * 60_000);
const state = (value: AlarmState['value']): AlarmState => ({ value, reason: '', timestamp: new Date(T0) });

describe('alarm evaluation (CloudWatch semantics)', () => {
  it.each<[string, Partial<AlarmSettings>, (number | undefined)[], AlarmState['value'], AlarmState['value']]>(
    [
      ['2 of 3 breaching → ALARM', {}, [1, undefined, 4], 'OK', 'ALARM'],
      ['1 of 3 breaching stays OK', {}, [undefined, 5, undefined], 'OK', 'OK'],
      [
        'missing as not breaching leaves INSUFFICIENT_DATA for OK',
        {},
        [undefined, undefined, undefined],
        'INSUFFICIENT_DATA',
        'OK',
      ],
      [
        'missing as breaching alarms',
        { treatMissingData: 'breaching' },
        [undefined, undefined, 0],
        'OK',
        'ALARM',
      ],
      [
        'ignore keeps the current state when all missing',
        { treatMissingData: 'ignore' },
        [undefined, undefined, undefined],
        'ALARM',
        'ALARM',
      ],
      [
        'missing → INSUFFICIENT_DATA when all missing',
        { treatMissingData: 'missing' },
        [undefined, undefined, undefined],
        'OK',
        'INSUFFICIENT_DATA',
      ],
      ['threshold is strict for GreaterThan', { threshold: 4, datapointsToAlarm: 1 }, [4, 4, 4], 'OK', 'OK'],
      [
        'GreaterThanOrEqual includes the threshold',
        { threshold: 4, datapointsToAlarm: 1, comparison: 'GreaterThanOrEqualToThreshold' },
        [undefined, undefined, 4],
        'OK',
        'ALARM',
      ],
      ['recovers to OK', {}, [undefined, undefined, 1], 'ALARM', 'OK'],
    ],
  )('%s', (_name, over, values, from, to) => {
    expect(evaluateAlarm(settings(over), points(...values), state(from), now).value).toBe(to);
  });

  it('returns the same state object when nothing changes (no event)', () => {
    const current = state('OK');
    expect(evaluateAlarm(settings(), points(undefined, undefined, undefined), current, now)).toBe(current);
  });

  it('names only the datapoints that justify a recovery, and says when all were missing', () => {
    const recovered = evaluateAlarm(settings(), points(0, undefined, 7), state('ALARM'), now);
    expect(recovered.value).toBe('OK');
    expect(recovered.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [0 (23/11/26 10:00:00)] (1 missing datapoint treated as [NonBreaching]) were not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
    const quiet = evaluateAlarm(settings(), points(undefined, undefined, undefined), state('ALARM'), now);
    expect(quiet.reason).toBe(
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].',
    );
  });

  it('writes a CloudWatch-style reason and JSON reasonData', () => {
    const next = evaluateAlarm(settings(), points(1, undefined, 4), state('OK'), now);
    expect(next.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [4 (23/11/26 10:02:00), 1 (23/11/26 10:00:00)] (1 missing datapoint treated as [NonBreaching]) were greater than the threshold (0.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(JSON.parse(next.reasonData!)).toMatchObject({
      version: '1.0',
      queryDate: '2026-11-23T10:03:00.000+0000',
      startDate: '2026-11-23T10:00:00.000+0000',
      statistic: 'Sum',
      period: 60,
      recentDatapoints: [1, 4],
      threshold: 0,
    });
  });
});

describe('the evaluation range', () => {
  const u = undefined;

  it('keeps judging breaching minutes of a sparse metric while they are in the range', () => {
    // 2 of 3, notBreaching, range 5: the fault stopped two minutes ago, X X are still judged.
    expect(evaluateAlarm(settings(), points(1, 2, u, u, u), state('ALARM'), now).value).toBe('ALARM');
    // One more empty minute and only one breaching datapoint is left: OK.
    expect(evaluateAlarm(settings(), points(2, u, u, u, u), state('ALARM'), now).value).toBe('OK');
  });

  it('judges the N most recent real datapoints, however far back, and ignores the treatment then', () => {
    for (const treatMissingData of ['breaching', 'notBreaching', 'ignore', 'missing'] as const) {
      const decision = decideAlarm(settings({ treatMissingData }), points(0, 5, u, u, 0));
      expect(decision.evaluated.map((p) => p.value)).toEqual([0, 5, 0]);
      expect(decision.value).toBe('OK');
    }
  });

  it('fills as few missing periods as possible, the most recent ones', () => {
    const decision = decideAlarm(settings({ treatMissingData: 'breaching' }), points(0, u, u, 3, u));
    expect(decision.evaluated.map((p) => [p.value, p.filled])).toEqual([
      [0, false],
      [3, false],
      [undefined, true],
    ]);
    expect(decision.value).toBe('ALARM');
  });

  it('refuses a range shorter than the evaluated periods', () => {
    expect(() => decideAlarm(settings(), points(1, 1))).toThrow(RangeError);
  });

  it('says why for the premature-alarm rule and for an undecided range', () => {
    const missing = settings({ treatMissingData: 'missing', datapointsToAlarm: 3 });
    const premature = evaluateAlarm(missing, points(u, u, 4, u, u), state('OK'), now);
    expect(premature.value).toBe('ALARM');
    expect(premature.reason).toBe(
      'Threshold Crossed: 1 out of the 1 datapoint received in the evaluation range [4 (23/11/26 10:02:00)] was greater than the threshold (0.0), and no datapoint was received after them (oldest breaching datapoint at least as old as the datapoints to alarm) (minimum 3 datapoints for OK -> ALARM transition).',
    );
    const undecided = evaluateAlarm(missing, points(u, u, u, u, 4), state('OK'), now);
    expect(undecided.value).toBe('INSUFFICIENT_DATA');
    expect(undecided.reason).toBe(
      'Insufficient Data: 1 datapoint received for the evaluation range, fewer than the 3 needed and too recent to decide.',
    );
  });

  it('dates reasonData from the oldest datapoint it evaluated', () => {
    const next = evaluateAlarm(settings(), points(u, 1, 2, u, u), state('OK'), now);
    expect(JSON.parse(next.reasonData!)).toMatchObject({
      startDate: '2026-11-23T10:01:00.000+0000',
      recentDatapoints: [1, 2],
      evaluatedDatapoints: [
        { timestamp: '2026-11-23T10:04:00.000+0000' },
        { timestamp: '2026-11-23T10:02:00.000+0000', value: 2 },
        { timestamp: '2026-11-23T10:01:00.000+0000', value: 1 },
      ],
    });
  });
});
