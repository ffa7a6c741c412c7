import { describe, expect, it } from 'vitest';
import { createEventBus, putEntries, type BusEvent } from './event-bus';

const alarmPattern = { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] };

function alarm(
  bus: ReturnType<typeof createEventBus>,
  alarmName = 'uia--registered-user-faults--trace-count',
) {
  return bus.event({
    source: 'aws.cloudwatch',
    detailType: 'CloudWatch Alarm State Change',
    detail: { alarmName, state: { value: 'ALARM' } },
  });
}

/** A handler that fails its first `failures` calls, recording every event it sees. */
function flaky(failures: number) {
  const seen: BusEvent[] = [];
  return {
    seen,
    handler: (event: BusEvent) => {
      seen.push(event);
      if (seen.length <= failures) throw new Error(`attempt ${seen.length} failed`);
    },
  };
}

describe('event bus', () => {
  it('builds events shaped like EventBridge envelopes', () => {
    const bus = createEventBus({
      account: '123456789012',
      clock: () => new Date('2026-11-23T12:00:00.123Z'),
    });
    expect(alarm(bus)).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: '2026-11-23T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { alarmName: 'uia--registered-user-faults--trace-count', state: { value: 'ALARM' } },
    });
  });

  it('delivers only to targets whose pattern matches', async () => {
    const bus = createEventBus();
    const alarms = flaky(0);
    const insights = flaky(0);
    bus.addTarget({ id: 'alarms', pattern: alarmPattern, handler: alarms.handler });
    bus.addTarget({ id: 'insights', pattern: { source: ['aws.xray'] }, handler: insights.handler });

    const event = alarm(bus);
    const deliveries = await bus.put(event);
    expect(deliveries).toEqual([
      { targetId: 'alarms', eventId: event.id, copy: 1, attempts: 1, outcome: 'delivered' },
    ]);
    expect(alarms.seen).toEqual([event]);
    expect(insights.seen).toEqual([]);
    expect(bus.events()).toEqual([event]);
  });

  it('delivers N copies of one event, with the same id, one after another', async () => {
    const bus = createEventBus();
    let running = 0;
    let maxRunning = 0;
    const ids: string[] = [];
    bus.addTarget({
      id: 'notifier',
      pattern: alarmPattern,
      handler: async (event) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        ids.push(event.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
      },
    });
    const event = alarm(bus);
    await bus.put(event, { copies: 3 });
    expect(ids).toEqual([event.id, event.id, event.id]);
    expect(maxRunning).toBe(1);
  });

  it('delivers concurrent duplicates at the same time when asked (the idempotency race)', async () => {
    const bus = createEventBus({ duplicates: { copies: 2, concurrent: true } });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    bus.addTarget({
      id: 'notifier',
      pattern: alarmPattern,
      handler: async () => {
        started += 1;
        if (started === 2) release();
        await gate; // only resolves once both copies are inside the handler
      },
    });
    const deliveries = await bus.put(alarm(bus));
    expect(deliveries.map((d) => d.copy).sort()).toEqual([1, 2]);
    expect(started).toBe(2);
  });

  it('retries a throwing handler like Lambda async invoke (2 retries) and records the attempts', async () => {
    const bus = createEventBus();
    const target = flaky(2);
    bus.addTarget({ id: 'notifier', pattern: alarmPattern, handler: target.handler });
    const [delivery] = await bus.put(alarm(bus));
    expect(delivery).toMatchObject({ attempts: 3, outcome: 'delivered' });
    expect(target.seen).toHaveLength(3);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('dead-letters the event with the last error once retries are exhausted', async () => {
    const bus = createEventBus();
    const target = flaky(Infinity);
    bus.addTarget({ id: 'notifier', pattern: alarmPattern, handler: target.handler });
    const event = alarm(bus);
    const [delivery] = await bus.put(event);
    expect(delivery).toMatchObject({ attempts: 3, outcome: 'dead-lettered' });
    const [letter] = bus.deadLetters();
    expect(letter).toMatchObject({ targetId: 'notifier', event, attempts: 3 });
    expect(letter?.error).toBeInstanceOf(Error);
    expect((letter?.error as Error).message).toBe('attempt 3 failed');
  });

  it('honours a per-target retry policy, including its delay', async () => {
    const bus = createEventBus({ retry: { retries: 5 } });
    const target = flaky(Infinity);
    bus.addTarget({
      id: 'once',
      pattern: alarmPattern,
      handler: target.handler,
      retry: { retries: 1, delayMs: 30 },
    });
    const started = performance.now();
    await bus.put(alarm(bus));
    expect(target.seen).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(bus.deadLetters()[0]?.attempts).toBe(2);
  });

  it('hands each delivery its own copy of the event', async () => {
    const bus = createEventBus();
    const seen: unknown[] = [];
    bus.addTarget({
      id: 'mutator',
      pattern: alarmPattern,
      handler: (event) => {
        (event.detail as { alarmName: string }).alarmName = 'changed';
      },
    });
    bus.addTarget({ id: 'reader', pattern: alarmPattern, handler: (event) => void seen.push(event.detail) });
    const event = alarm(bus, 'original');
    await bus.put(event, { copies: 2 });
    expect(seen).toEqual([
      { alarmName: 'original', state: { value: 'ALARM' } },
      { alarmName: 'original', state: { value: 'ALARM' } },
    ]);
    expect((event.detail as { alarmName: string }).alarmName).toBe('original');
  });

  it('stops delivering to a removed target and refuses duplicate target ids', async () => {
    const bus = createEventBus();
    const target = flaky(0);
    const remove = bus.addTarget({ id: 'notifier', pattern: alarmPattern, handler: target.handler });
    expect(() => bus.addTarget({ id: 'notifier', pattern: alarmPattern, handler: target.handler })).toThrow(
      /already registered/,
    );
    remove();
    await bus.put(alarm(bus));
    expect(target.seen).toEqual([]);
  });

  it('delivers only to targets on the bus the event was put on, as each rule belongs to one bus', async () => {
    const bus = createEventBus({ busNames: ['default', 'uia-test-alerts'] });
    const onDefault = flaky(0);
    const onTests = flaky(0);
    bus.addTarget({ id: 'default-rule', pattern: alarmPattern, handler: onDefault.handler });
    bus.addTarget({
      id: 'test-rule',
      busName: 'uia-test-alerts',
      pattern: alarmPattern,
      handler: onTests.handler,
    });
    await bus.put(alarm(bus));
    await bus.put(alarm(bus), undefined, 'uia-test-alerts');
    expect(onDefault.seen).toHaveLength(1);
    expect(onTests.seen).toHaveLength(1);
    const results = putEntries(bus, [
      {
        EventBusName: 'uia-test-alerts',
        Source: 'uia.alerting',
        DetailType: 'CloudWatch Alarm State Change',
        Detail: '{}',
      },
    ]);
    expect(results).toEqual([{ EventId: expect.any(String) }]);
    await bus.idle();
    expect(onTests.seen).toHaveLength(1 + 0); // the pattern wants source aws.cloudwatch
    expect(() =>
      createEventBus({ busPolicies: { nowhere: { Version: '2012-10-17', Statement: [] } } }),
    ).toThrow(/policy for unknown bus "nowhere"/);
  });

  it('refuses a target whose pattern EventBridge would refuse', () => {
    const bus = createEventBus();
    expect(() => bus.addTarget({ id: 'bad', pattern: { source: 'aws.xray' }, handler: () => {} })).toThrow(
      /must be an array/,
    );
  });
});

describe('putEntries (the PutEvents rules)', () => {
  it('accepts project events, rejects aws.* sources and malformed detail per entry, and delivers in the background', async () => {
    const bus = createEventBus();
    const target = flaky(0);
    bus.addTarget({ id: 'tests', pattern: { source: ['uia.alerting'] }, handler: target.handler });

    const results = putEntries(bus, [
      { Source: 'uia.alerting', DetailType: 'Test Alert', Detail: '{"ruleId":"x"}', Time: 1_732_000_000 },
      { Source: 'aws.cloudwatch', DetailType: 'CloudWatch Alarm State Change', Detail: '{}' },
      { Source: 'uia.alerting', DetailType: 'Test Alert', Detail: '[1,2]' },
      { Source: 'uia.alerting', DetailType: 'Test Alert', Detail: '{}', EventBusName: 'other' },
      { DetailType: 'Test Alert', Detail: '{}' },
    ]);
    expect(results).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus other does not exist.' },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: expect.stringContaining('Source is a required argument'),
      },
    ]);
    await bus.idle();
    expect(target.seen).toHaveLength(1);
    expect(target.seen[0]).toMatchObject({ time: '2024-11-19T07:06:40Z', detail: { ruleId: 'x' } });
  });
});
