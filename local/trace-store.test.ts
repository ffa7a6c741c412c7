import { describe, expect, it } from 'vitest';
import type { Trace } from '../rules/filter/trace';
import { createTraceStore, inTimeRange } from './trace-store';

function trace(id: string, startTime: number, over: Partial<Trace> = {}): Trace {
  return {
    id,
    startTime,
    duration: 10,
    http: {},
    fault: false,
    error: false,
    throttle: false,
    partial: false,
    users: [],
    annotations: {},
    services: [],
    availabilityZones: [],
    instanceIds: [],
    resourceArns: [],
    ...over,
  };
}

describe('trace store', () => {
  it('lists newest first, breaking start-time ties by id so paging has a total order', () => {
    const store = createTraceStore();
    store.put(trace('1-a', 100));
    store.put(trace('1-c', 200));
    store.put(trace('1-b', 200));
    expect(store.list().map((t) => t.id)).toEqual(['1-c', '1-b', '1-a']);
  });

  it('replaces a trace with the same id, keeping its documents', () => {
    const store = createTraceStore();
    store.put(trace('1-a', 100, { partial: true }), ['{"id":"s1"}']);
    store.put(trace('1-a', 100), ['{"id":"s1"}', '{"id":"s2"}']);
    expect(store.size()).toBe(1);
    expect(store.get('1-a')).toMatchObject({
      trace: { partial: false },
      documents: ['{"id":"s1"}', '{"id":"s2"}'],
    });
  });

  it('waitFor resolves once the trace meets the condition, and times out otherwise', async () => {
    const store = createTraceStore();
    const complete = store.waitFor('1-a', (t) => !t.partial);
    store.put(trace('1-a', 100, { partial: true }));
    setTimeout(() => store.put(trace('1-a', 100)), 5);
    await expect(complete).resolves.toMatchObject({ id: '1-a', partial: false });
    await expect(store.waitFor('1-missing', undefined, 20)).rejects.toThrow(/did not arrive/);
  });

  it.each([
    ['TraceId: started at the window start', 100, 'TraceId', true],
    ['TraceId: started at the window end (half-open)', 200, 'TraceId', false],
    ['TraceId: started before, still active', 95, 'TraceId', false],
    ['Event: started before, still active', 95, 'Event', true],
    ['Event: ended before the window', 80, 'Event', false],
  ] as const)('%s', (_name, start, type, expected) => {
    expect(inTimeRange(trace('t', start), 100, 200, type)).toBe(expected);
  });
});
