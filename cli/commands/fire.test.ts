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
import { eventsAdministrator, testAlertBus, testAlertSender } from '../../local/test-alert-bus';
import { testAlertEventPattern } from '../../rules/names';
import { parseFireArgs, run, type FireDeps } from './fire';

const ACCOUNT = '123456789012';
const where = { account: ACCOUNT, region: 'us-east-1' };
const { busName: TEST_BUS, busPolicies } = testAlertBus(ruleSet.namePrefix, where);
const sender = { accessKeyId: 'ASIASENDER', secretAccessKey: 'local' };
const admin = { accessKeyId: 'AKIAADMIN', secretAccessKey: 'local' };
const bus = createEventBus({ ...where, busNames: ['default', TEST_BUS], busPolicies });
const delivered: BusEvent[] = [];
// The very pattern and bus the alerting stack deploys for test alerts.
bus.addTarget({
  id: 'uia--test-alerts',
  busName: TEST_BUS,
  pattern: testAlertEventPattern(ruleSet, ACCOUNT),
  handler: (event) => {
    delivered.push(event);
  },
});
let eventBridge: EventBridgeServer;
let xray: XRayServer;
const credentials = sender;

beforeAll(async () => {
  eventBridge = await startEventBridgeServer(bus, {
    principals: {
      [sender.accessKeyId]: testAlertSender(ruleSet.namePrefix, where, 'alice'),
      [admin.accessKeyId]: eventsAdministrator(ACCOUNT),
    },
  });
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
const deps = (endpoint = eventBridge.url, as = sender): FireDeps => ({
  ruleSet,
  eventBridge: () =>
    new EventBridgeClient({ endpoint, region: 'us-east-1', credentials: as, maxAttempts: 1 }),
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
      account: ACCOUNT,
      time: '2026-03-02T10:00:00Z',
      detail: {
        ruleId: 'registered-user-faults',
        state: 'firing',
        note: 'drill: on-call route',
        route: 'test-channel',
        email: false,
      },
    });
    expect(io.out()).toContain(
      `✓ TEST alert (firing) for rule registered-user-faults put on uia-test-alerts: event ${event.id}`,
    );
    expect(io.out()).toContain('expect a [TEST] page in #shop-alert-tests (at most 6 per rule per hour)');

    const page = await buildPage(event, {
      ruleSet,
      eventAccounts: [ACCOUNT],
      xray: new XRayClient({ endpoint: xray.url, region: 'us-east-1', credentials, maxAttempts: 1 }),
      now: () => new Date('2026-03-02T10:00:05Z'),
      sleep: async () => undefined,
      random: () => 0.5,
      logger: silentLogger,
    });
    if (page.kind !== 'page') throw new Error(page.reason);
    // The test channel, never the on-call email.
    expect(page.rule.routes).toEqual({ slack: 'shop-alert-tests', email: 'none' });
    expect(page.slack.text.startsWith('[TEST] ')).toBe(true);
    expect(page.email.subject).toMatch(/^\[TEST\] /);
    expect(page.email.body).toContain('drill: on-call route');
  });

  it('sends the resolution with --resolve', async () => {
    capture();
    expect(await run(['--resolve', 'registered-user-faults'], deps())).toBe(0);
    await bus.idle();
    expect(delivered[0]?.detail).toEqual({
      ruleId: 'registered-user-faults',
      state: 'resolved',
      route: 'test-channel',
      email: false,
    });
  });

  it('asks for the rule’s own route and the on-call email only when told to', async () => {
    const io = capture();
    expect(await run(['registered-user-faults', '--rule-route', '--email'], deps())).toBe(0);
    await bus.idle();
    expect(delivered[0]?.detail).toMatchObject({ route: 'rule', email: true });
    expect(io.out()).toContain('expect a [TEST] page in #shop-oncall and the on-call email');
  });

  it('refuses --email for a rule that does not mail on-call', async () => {
    const io = capture();
    const digestOnly = ruleSet.rules.find((r) => r.routes.email !== 'immediate')!;
    expect(await run([digestOnly.id, '--email'], deps())).toBe(2);
    expect(io.err()).toContain(`rule ${digestOnly.id} does not mail on-call`);
    await bus.idle();
    expect(delivered).toEqual([]);
  });

  it('is refused, exit 1 with the role to use, when run as anyone but the sender role', async () => {
    const io = capture();
    expect(await run(['registered-user-faults'], deps(eventBridge.url, admin))).toBe(1);
    expect(io.err()).toContain(
      `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/admin is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:${ACCOUNT}:event-bus/uia-test-alerts with an explicit deny in a resource-based policy`,
    );
    expect(io.err()).toContain('only the role uia-test-alert-sender may put test alerts');
    await bus.idle();
    expect(delivered).toEqual([]);
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
    expect(parseFireArgs(['r', '--note', 'n'])).toEqual({
      ruleId: 'r',
      state: 'firing',
      note: 'n',
      ruleRoute: false,
      email: false,
    });
    expect(parseFireArgs(['r', '--rule-route', '--email'])).toMatchObject({ ruleRoute: true, email: true });
    expect(parseFireArgs([])).toEqual({ error: 'which rule? give its id' });
    expect(parseFireArgs(['r', '--note'])).toEqual({ error: '--note needs a text' });
    expect(parseFireArgs(['r', '--loud'])).toEqual({ error: 'unknown option --loud' });
    expect(parseFireArgs(['r', 's'])).toEqual({ error: 'unexpected argument "s"' });
    expect(parseFireArgs(['r', '--note', 'x'.repeat(2_001)])).toMatchObject({
      error: expect.stringContaining('2000'),
    });
  });
});
