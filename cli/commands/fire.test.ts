import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { XRayClient } from '@aws-sdk/client-xray';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createEventBus,
  startEventBridgeServer,
  type BusEvent,
  type EventBridgeServer,
} from '../../local/event-bus';
import { createTraceStore } from '../../local/trace-store';
import { startXRayServer, type XRayServer } from '../../local/xray-server';
import { buildPage } from '../../functions/notifier/build-page';
import { silentLogger } from '../../functions/notifier/ports';
import { ruleSet } from '../../rules';
import { compileFilter } from '../../rules/filter';
import { testAlertEventPattern } from '../../rules/names';
import { parseFireArgs, run, type FireDeps } from './fire';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const bus = createEventBus();
const delivered: BusEvent[] = [];
// The very pattern the alerting stack deploys for test alerts.
bus.addTarget({
  id: 'uia--test-alerts',
  pattern: testAlertEventPattern(ruleSet),
  handler: (event) => {
    delivered.push(event);
  },
});
let eventBridge: EventBridgeServer;
let xray: XRayServer;

beforeAll(async () => {
  eventBridge = await startEventBridgeServer(bus);
  xray = await startXRayServer({ store: createTraceStore(), compile: compileFilter });
});
afterAll(async () => {
  await eventBridge?.close();
  await xray?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
  delivered.length = 0;
});

const now = new Date('2026-03-02T10:00:00Z');
const deps = (endpoint = eventBridge.url): FireDeps => ({
  ruleSet,
  eventBridge: () => new EventBridgeClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }),
  now: () => now,
});

function capture() {
  const out = vi.spyOn(console, 'log').mockImplementation(() => {});
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('\n');
  return { out: () => text(out), err: () => text(err) };
}

describe('rules fire', () => {
  it('puts a Test Alert that the deployed pattern accepts and the notifier pages as TEST', async () => {
    const io = capture();
    expect(await run(['registered-user-faults', '--note', 'drill: on-call route'], deps())).toBe(0);
    await bus.idle();

    expect(delivered).toHaveLength(1);
    const event = delivered[0]!;
    expect(event).toMatchObject({
      source: 'uia.alerting',
      'detail-type': 'Test Alert',
      time: '2026-03-02T10:00:00Z',
      detail: { ruleId: 'registered-user-faults', state: 'firing', note: 'drill: on-call route' },
    });
    expect(io.out()).toContain(
      `✓ TEST alert (firing) for rule registered-user-faults put on the default bus: event ${event.id}`,
    );

    const page = await buildPage(event, {
      ruleSet,
      xray: new XRayClient({ endpoint: xray.url, region: 'us-east-1', credentials, maxAttempts: 1 }),
      now: () => new Date('2026-03-02T10:00:05Z'),
      sleep: async () => undefined,
      random: () => 0.5,
      logger: silentLogger,
    });
    if (page.kind !== 'page') throw new Error(page.reason);
    expect(page.slack.text.startsWith('[TEST] ')).toBe(true);
    expect(page.email.subject).toMatch(/^\[TEST\] /);
    expect(page.email.body).toContain('drill: on-call route');
  });

  it('sends the resolution with --resolve', async () => {
    capture();
    expect(await run(['--resolve', 'registered-user-faults'], deps())).toBe(0);
    await bus.idle();
    expect(delivered[0]?.detail).toEqual({ ruleId: 'registered-user-faults', state: 'resolved' });
  });

  it('exits 2 for an unknown rule id, listing the known ones and the closest', async () => {
    const io = capture();
    expect(await run(['registered-user-fault'], deps())).toBe(2);
    expect(io.err()).toContain(
      'unknown rule id "registered-user-fault"; did you mean "registered-user-faults"?',
    );
    expect(io.err()).toContain(`rules: ${ruleSet.rules.map((r) => r.id).join(', ')}`);
    await bus.idle();
    expect(delivered).toEqual([]);
  });

  it('exits 1 with a hint when EventBridge cannot be reached', async () => {
    const io = capture();
    expect(await run(['registered-user-faults'], deps('http://127.0.0.1:9'))).toBe(1);
    expect(io.err()).toContain('could not put the test alert on EventBridge');
    expect(io.err()).toContain('AWS_ENDPOINT_URL_EVENTBRIDGE');
  });

  it('parses its arguments strictly', () => {
    expect(parseFireArgs(['r', '--note', 'n'])).toEqual({ ruleId: 'r', state: 'firing', note: 'n' });
    expect(parseFireArgs([])).toEqual({ error: 'which rule? give its id' });
    expect(parseFireArgs(['r', '--note'])).toEqual({ error: '--note needs a text' });
    expect(parseFireArgs(['r', '--loud'])).toEqual({ error: 'unknown option --loud' });
    expect(parseFireArgs(['r', 's'])).toEqual({ error: 'unexpected argument "s"' });
    expect(parseFireArgs(['r', '--note', 'x'.repeat(2_001)])).toMatchObject({
      error: expect.stringContaining('2000'),
    });
  });
});
