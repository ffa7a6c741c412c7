import { describe, expect, it } from 'vitest';
import { alarmName, groupName } from '../../rules/names';
import type { BusEvent } from '../event-bus';
import { groundTruth } from './outages';

const P = 'uia';
const T = Date.parse('2026-11-22T21:00:00Z');
const MIN = 60_000;
const W = 15 * MIN;
let n = 0;

function alarm(ruleId: string, value: string, atMin: number): BusEvent {
  return {
    id: `a${n++}`,
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    time: new Date(T + atMin * MIN).toISOString(),
    detail: {
      alarmName: alarmName(P, ruleId),
      state: { value, timestamp: new Date(T + atMin * MIN).toISOString() },
    },
  } as unknown as BusEvent;
}

function insight(
  ruleId: string,
  insightId: string,
  state: string,
  startMin: number,
  endMin?: number,
): BusEvent {
  return {
    id: `i${n++}`,
    source: 'aws.xray',
    'detail-type': 'AWS X-Ray Insight Update',
    time: new Date(T + (endMin ?? startMin) * MIN).toISOString(),
    detail: {
      GroupName: groupName(P, ruleId),
      InsightId: insightId,
      State: state,
      StartTime: (T + startMin * MIN) / 1000,
      EndTime: endMin === undefined ? null : (T + endMin * MIN) / 1000,
    },
  } as unknown as BusEvent;
}

describe('chaos ground truth: outages from the events AWS emitted', () => {
  it('reads alarm intervals by state time, whatever the order of the list', () => {
    const events = [alarm('r', 'OK', 10), alarm('r', 'ALARM', 2), alarm('r', 'ALARM', 5)];
    const truth = groundTruth(events, P, W).get('r')!;
    expect(truth.allSourcesResolved).toBe(true);
    expect(truth.outages).toEqual([
      expect.objectContaining({ startMs: T + 2 * MIN, endMs: T + 10 * MIN, sources: ['alarm'] }),
    ]);
    expect(truth.outages[0]!.eventIds).toHaveLength(3);
  });

  it('joins a flapping alarm and an overlapping Insight into one outage; one far apart is another', () => {
    const events = [
      alarm('r', 'ALARM', 0),
      alarm('r', 'OK', 3),
      alarm('r', 'ALARM', 8),
      alarm('r', 'OK', 10),
      insight('r', 'in-1', 'ACTIVE', 1),
      insight('r', 'in-1', 'CLOSED', 1, 12),
      alarm('r', 'ALARM', 60),
      alarm('r', 'OK', 65),
    ];
    const truth = groundTruth(events, P, W).get('r')!;
    expect(truth.outages.map((o) => [(o.startMs - T) / MIN, (o.endMs! - T) / MIN, o.sources.sort()])).toEqual(
      [
        [0, 12, ['alarm', 'insight']],
        [60, 65, ['alarm']],
      ],
    );
    expect(truth.allSourcesResolved).toBe(true);
  });

  it('keeps an outage open while its alarm is in ALARM or its Insight not closed', () => {
    const stillFiring = groundTruth([alarm('a', 'ALARM', 1)], P, W).get('a')!;
    expect(stillFiring).toMatchObject({ allSourcesResolved: false, outages: [{ endMs: undefined }] });
    const openInsight = groundTruth(
      [alarm('b', 'ALARM', 1), alarm('b', 'OK', 2), insight('b', 'x', 'ACTIVE', 1)],
      P,
      W,
    ).get('b')!;
    expect(openInsight.allSourcesResolved).toBe(false);
    expect(openInsight.outages).toHaveLength(1);
    expect(openInsight.outages[0]!.endMs).toBeUndefined();
  });

  it('ignores INSUFFICIENT_DATA and events of other prefixes', () => {
    const events = [
      alarm('c', 'INSUFFICIENT_DATA', 1),
      {
        ...alarm('c', 'ALARM', 2),
        detail: {
          alarmName: 'other--c--trace-count',
          state: { value: 'ALARM', timestamp: new Date(T).toISOString() },
        },
      } as BusEvent,
    ];
    // No firing interval: no outage of the rule to answer.
    expect(groundTruth(events, P, W).get('c')?.outages ?? []).toEqual([]);
  });
});
