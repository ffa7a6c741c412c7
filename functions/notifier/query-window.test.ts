import { describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import { parseFilter } from '../../rules/filter';
import type { Rule } from '../../rules/schema';
import type { Alert } from './alert';
import { parseEvent } from './parse';
import { enrichmentFilter, narrowToFaults } from './query-filter';
import { INGESTION_MARGIN_MS, MAX_WINDOW_MS, TEST_LOOKBACK_MS, queryWindow } from './query-window';
import { fixture, recordingLogger, withValue } from './test-support';

const rule = (id: string): Rule => {
  const found = ruleSet.rules.find((r) => r.id === id);
  if (!found) throw new Error(id);
  return found;
};

function parsed(event: Record<string, unknown>): Alert {
  const result = parseEvent(event, {
    namePrefix: 'uia',
    accounts: ['123456789012'],
    logger: recordingLogger(),
  });
  if (result.kind !== 'alert') throw new Error(result.reason);
  return result.alert;
}

const iso = (d: Date) => d.toISOString();

describe('queryWindow', () => {
  const faults = rule('registered-user-faults'); // 3 × 60 s periods

  it('alarm firing: the evaluated periods ending at the state change, minus the ingestion margin', () => {
    const alert = parsed(fixture('alarm-threshold'));
    const w = queryWindow(alert, faults, new Date('2019-10-02T17:06:00Z'));
    expect(iso(w.end)).toBe('2019-10-02T17:04:40.989Z');
    // reasonData.startDate (16:59) is earlier than changedAt − 3 min (17:01:40.989), so it wins.
    expect(iso(w.start)).toBe(iso(new Date(Date.parse('2019-10-02T16:59:00Z') - INGESTION_MARGIN_MS)));
  });

  it('alarm firing without reasonData: evaluationPeriods × period before the change', () => {
    const alert = parsed(withValue(fixture('alarm-threshold'), ['detail', 'state', 'reasonData'], undefined));
    const w = queryWindow(alert, faults, new Date('2019-10-02T18:00:00Z'));
    expect(w.end.getTime() - w.start.getTime()).toBe(3 * 60_000 + INGESTION_MARGIN_MS);
  });

  it('alarm resolved: looks back over the whole incident from where it entered ALARM', () => {
    const alert = parsed(fixture('alarm-threshold-resolved'));
    const w = queryWindow(alert, faults, new Date('2019-10-02T17:30:00Z'));
    expect(iso(w.end)).toBe('2019-10-02T17:24:40.987Z');
    expect(iso(w.start)).toBe(
      iso(new Date(Date.parse('2019-10-02T17:04:40.989Z') - 3 * 60_000 - INGESTION_MARGIN_MS)),
    );
  });

  it('insight ACTIVE: start (minus margin) to now; CLOSED: to EndTime', () => {
    const now = new Date('2024-01-01T12:40:00Z');
    const active = queryWindow(parsed(fixture('insight-active')), faults, now);
    expect(iso(active.start)).toBe('2024-01-01T11:59:00.000Z');
    expect(iso(active.end)).toBe(iso(now));
    const closed = queryWindow(parsed(fixture('insight-closed')), faults, now);
    expect(iso(closed.end)).toBe('2024-01-01T12:30:00.000Z');
  });

  it('test alert: the lookback before the event; never past now; never longer than the max window', () => {
    const test = queryWindow(parsed(fixture('test-alert')), faults, new Date('2024-01-01T09:01:00Z'));
    expect(test.end.getTime() - test.start.getTime()).toBe(TEST_LOOKBACK_MS);
    const skewed = queryWindow(parsed(fixture('test-alert')), faults, new Date('2024-01-01T08:59:00Z'));
    expect(iso(skewed.end)).toBe('2024-01-01T08:59:00.000Z');
    const old = parsed(withValue(fixture('insight-active'), ['detail', 'StartTime'], 1_600_000_000));
    const long = queryWindow(old, faults, new Date('2024-01-01T12:40:00Z'));
    expect(long.end.getTime() - long.start.getTime()).toBe(MAX_WINDOW_MS);
  });
});

describe('enrichmentFilter', () => {
  it('uses the group expression for alarms and narrows FAULT insights to faults', () => {
    const slow = rule('slow-registered-users');
    expect(enrichmentFilter(parsed(fixture('alarm-threshold')), slow)).toBe(slow.group.filterExpression);
    expect(enrichmentFilter(parsed(fixture('insight-active')), slow)).toBe(
      `(${slow.group.filterExpression}) AND fault`,
    );
    const noCategory = parsed(withValue(fixture('insight-active'), ['detail', 'Categories'], []));
    expect(enrichmentFilter(noCategory, slow)).toBe(slow.group.filterExpression);
  });

  it('keeps every rule expression valid X-Ray syntax when narrowed (rules/filter parser)', () => {
    for (const r of ruleSet.rules) {
      const result = parseFilter(narrowToFaults(r.group.filterExpression));
      expect(result.ok, `${r.id}: ${JSON.stringify(result.ok ? '' : result.errors)}`).toBe(true);
    }
  });

  it('does not add a second fault clause to a group that already selects only faults', () => {
    const faults = rule('registered-user-faults');
    expect(narrowToFaults(faults.group.filterExpression)).toBe(faults.group.filterExpression);
    expect(narrowToFaults('fault = true AND annotation.x = "y"')).toBe('fault = true AND annotation.x = "y"');
    // `fault` under an OR or a NOT does not restrict the group to faults.
    expect(narrowToFaults('fault OR error')).toBe('(fault OR error) AND fault');
    expect(narrowToFaults('!fault AND ok')).toBe('(!fault AND ok) AND fault');
    expect(narrowToFaults('fault = false')).toBe('(fault = false) AND fault');
  });

  it('keeps an OR inside the rule expression from swallowing the fault clause', () => {
    const result = parseFilter(narrowToFaults('annotation.username = "a" OR annotation.username = "b"'));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.ast.root.type).toBe('and');
    if (result.ast.root.type !== 'and') return;
    expect(result.ast.root.operands.map((o) => o.type)).toEqual(['or', 'test']);
  });
});
