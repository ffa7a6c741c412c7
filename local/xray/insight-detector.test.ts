import { describe, expect, it } from 'vitest';
import type { Trace } from '../../rules/filter/trace';
import { DEFAULT_DETECTOR, detectMinute, type DetectorState } from './insight-detector';
import { insightUpdateEvent } from './insight-event';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');
let n = 0;
function traces(ok: number, faults: number): Trace[] {
  const make = (fault: boolean): Trace => ({
    id: `t${n++}`,
    startTime: T0 / 1000,
    http: {},
    fault,
    error: false,
    throttle: false,
    partial: false,
    users: [],
    annotations: {},
    services: [{ name: 'cart-list', type: 'AWS::Lambda::Function', fault }],
    rootCauses: fault
      ? {
          fault: [
            {
              services: [
                { name: 'cart-list', entityPath: [] },
                { name: 'carts', type: 'AWS::DynamoDB::Table', entityPath: [] },
              ],
            },
          ],
          error: [],
          responseTime: [],
        }
      : { fault: [], error: [], responseTime: [] },
    availabilityZones: [],
    instanceIds: [],
    resourceArns: [],
  });
  return [
    ...Array.from({ length: ok }, () => make(false)),
    ...Array.from({ length: faults }, () => make(true)),
  ];
}

function run(minutes: Array<[number, number]>, options = DEFAULT_DETECTOR) {
  let state: DetectorState = { baseline: undefined };
  let ids = 0;
  return minutes.map(([ok, faults], i) => {
    const step = detectMinute(state, T0 + i * MIN, traces(ok, faults), options, () => `insight-${++ids}`);
    state = step.state;
    return step.output;
  });
}

describe('local Insights detector', () => {
  it('stays quiet on a healthy baseline and on a single stray fault', () => {
    expect(
      run([
        [20, 0],
        [20, 0],
        [19, 1],
        [20, 2],
      ]).every((o) => o === undefined),
    ).toBe(true);
  });

  it('opens on a fault-rate jump, updates on a significant change, closes after quiet minutes', () => {
    const out = run([
      [20, 0],
      [20, 0],
      [15, 5],
      [15, 5],
      [10, 10],
      [20, 0],
      [20, 0],
    ]);
    expect(out.map((o) => o?.kind)).toEqual([
      undefined,
      undefined,
      'open',
      undefined,
      'update',
      undefined,
      'close',
    ]);
    const open = out[2]!.snapshot;
    expect(open).toMatchObject({
      insightId: 'insight-1',
      state: 'ACTIVE',
      startTime: T0 + 2 * MIN,
      impact: { FaultCount: 5, OkCount: 15, TotalCount: 20 },
      rootCause: { name: 'carts', type: 'AWS::DynamoDB::Table' },
    });
    expect(out[4]!.snapshot.impact).toEqual({ FaultCount: 20, OkCount: 40, TotalCount: 60 });
    const closed = out[6]!.snapshot;
    expect(closed).toMatchObject({ insightId: 'insight-1', state: 'CLOSED', endTime: T0 + 7 * MIN });
  });

  it('with anomalousMinutes, opens only after that many anomalous minutes in a row, from the first', () => {
    const options = { ...DEFAULT_DETECTOR, anomalousMinutes: 2 };
    // One anomalous minute alone (a blip) never opens; two in a row do, dated from the first.
    const out = run(
      [
        [20, 0],
        [15, 5],
        [20, 0],
        [15, 5],
        [15, 5],
        [20, 0],
      ],
      options,
    );
    expect(out.map((o) => o?.kind)).toEqual([undefined, undefined, undefined, undefined, 'open', undefined]);
    expect(out[4]!.snapshot).toMatchObject({
      startTime: T0 + 3 * MIN,
      impact: { FaultCount: 10, OkCount: 30, TotalCount: 40 },
    });
  });

  it('emits events with the schema fields, epoch-second times and a null EndTime while active', () => {
    const out = run([
      [20, 0],
      [15, 5],
    ]);
    const event = insightUpdateEvent('uia--registered-users', out[1]!.snapshot, new Date(T0 + 2 * MIN), {
      account: '123456789012',
      region: 'us-east-1',
    });
    expect(event).toMatchObject({
      'detail-type': 'AWS X-Ray Insight Update',
      source: 'aws.xray',
      detail: {
        GroupName: 'uia--registered-users',
        State: 'ACTIVE',
        Categories: ['FAULT'],
        StartTime: (T0 + MIN) / 1000,
        EndTime: null,
        RootCauseServiceId: { Name: 'carts', Type: 'AWS::DynamoDB::Table' },
        ClientRequestImpactStatistics: { FaultCount: 5, OkCount: 15, TotalCount: 20 },
        Event: { EventTime: new Date(T0 + MIN).toISOString() },
      },
    });
    expect(event.detail).not.toHaveProperty('GroupARN');
  });
});
