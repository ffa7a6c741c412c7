/**
 * Contract: `@aws-sdk/client-eventbridge` PutEvents against the local bus (AWS JSON 1.1).
 * Accepted entries reach targets whose patterns match, as full EventBridge envelopes;
 * refused entries come back per entry, as EventBridge reports them; a caller the bus policy
 * refuses gets EventBridge's AccessDeniedException for the whole request.
 */
import {
  EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import {
  INCIDENT_UPDATED_DETAIL_TYPE,
  TEST_ALERT_DETAIL_TYPE,
  projectEventSource,
  testAlertEventPattern,
} from '../../rules/names';
import { eventsAdministrator, testAlertBus, testAlertSender } from '../../local/test-alert-bus';
import {
  createEventBus,
  startEventBridgeServer,
  type BusEvent,
  type EventBridgeServer,
} from '../../local/event-bus';

const SOURCE = projectEventSource(ruleSet.namePrefix);
const ACCOUNT = '123456789012';
const where = { account: ACCOUNT, region: 'us-east-1' };
const { busName: TEST_BUS, busPolicies } = testAlertBus(ruleSet.namePrefix, where);
const bus = createEventBus({ ...where, busNames: ['default', TEST_BUS], busPolicies });
const testAlerts: BusEvent[] = [];
let server: EventBridgeServer;
let client: EventBridgeClient;
let adminClient: EventBridgeClient;
const clientAs = (accessKeyId: string) =>
  new EventBridgeClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'local' },
    maxAttempts: 1,
  });

beforeAll(async () => {
  bus.addTarget({
    id: 'notifier-test-alerts',
    busName: TEST_BUS,
    pattern: testAlertEventPattern(ruleSet, ACCOUNT),
    handler: (e) => void testAlerts.push(e),
  });
  server = await startEventBridgeServer(bus, {
    principals: {
      ASIASENDER: testAlertSender(ruleSet.namePrefix, where),
      AKIAADMIN: eventsAdministrator(ACCOUNT),
    },
  });
  client = clientAs('ASIASENDER');
  adminClient = clientAs('AKIAADMIN');
});
afterAll(async () => {
  client.destroy();
  adminClient.destroy();
  await server.close();
});

describe('EventBridge stand-in with the real EventBridgeClient', () => {
  it('accepts project events and delivers the matching ones as EventBridge envelopes', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: TEST_BUS,
            Source: SOURCE,
            DetailType: TEST_ALERT_DETAIL_TYPE,
            Detail: JSON.stringify({ ruleId: 'registered-user-faults' }),
            Time: new Date('2026-11-23T12:00:00Z'),
            Resources: ['arn:aws:xray:us-east-1:123456789012:group/uia--registered-user-faults/X'],
          },
          {
            EventBusName: TEST_BUS,
            Source: SOURCE,
            DetailType: INCIDENT_UPDATED_DETAIL_TYPE,
            Detail: JSON.stringify({ state: 'RESOLVED' }),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toEqual([{ EventId: expect.any(String) }, { EventId: expect.any(String) }]);

    await bus.idle();
    // Only the test alert matches the notifier's test-alert pattern; the incident update does not.
    expect(testAlerts).toEqual([
      {
        version: '0',
        id: out.Entries?.[0]?.EventId,
        'detail-type': TEST_ALERT_DETAIL_TYPE,
        source: SOURCE,
        account: '123456789012',
        time: '2026-11-23T12:00:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:xray:us-east-1:123456789012:group/uia--registered-user-faults/X'],
        detail: { ruleId: 'registered-user-faults' },
      },
    ]);
    expect(bus.events().map((e) => e['detail-type'])).toEqual([
      TEST_ALERT_DETAIL_TYPE,
      INCIDENT_UPDATED_DETAIL_TYPE,
    ]);
  });

  it('refuses aws.* sources and malformed detail per entry while accepting the rest', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: TEST_BUS,
            Source: 'aws.cloudwatch',
            DetailType: 'CloudWatch Alarm State Change',
            Detail: '{}',
          },
          { EventBusName: TEST_BUS, Source: SOURCE, DetailType: TEST_ALERT_DETAIL_TYPE, Detail: 'not json' },
          {
            EventBusName: TEST_BUS,
            Source: SOURCE,
            DetailType: TEST_ALERT_DETAIL_TYPE,
            Detail: '{"ok":true}',
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries).toEqual([
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { EventId: expect.any(String) },
    ]);
  });

  it('refuses a caller the bus policy denies with AccessDeniedException for the whole request, delivering nothing', async () => {
    const before = testAlerts.length;
    const error = await adminClient
      .send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: TEST_BUS,
              Source: SOURCE,
              DetailType: TEST_ALERT_DETAIL_TYPE,
              Detail: '{"ruleId":"x"}',
            },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventBridgeServiceException);
    expect(error).toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${ACCOUNT}:user/admin is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:${ACCOUNT}:event-bus/${TEST_BUS} with an explicit deny in a resource-based policy`,
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    });
    await bus.idle();
    expect(testAlerts.length).toBe(before);
    // The same administrator may still use the default bus, which has no policy.
    const ok = await adminClient.send(
      new PutEventsCommand({ Entries: [{ Source: SOURCE, DetailType: 'Something Else', Detail: '{}' }] }),
    );
    expect(ok.FailedEntryCount).toBe(0);
  });

  it('refuses an access key it does not know with UnrecognizedClientException', async () => {
    const stranger = clientAs('AKIAUNKNOWN');
    const error = await stranger
      .send(new PutEventsCommand({ Entries: [{ Source: SOURCE, DetailType: 'x', Detail: '{}' }] }))
      .catch((e: unknown) => e);
    stranger.destroy();
    expect(error).toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('refuses more than 10 entries with ValidationException', async () => {
    const entry = { Source: SOURCE, DetailType: TEST_ALERT_DETAIL_TYPE, Detail: '{}' };
    try {
      await client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) }));
      expect.unreachable('PutEvents with 11 entries must fail');
    } catch (error) {
      expect(error).toBeInstanceOf(EventBridgeServiceException);
      expect((error as EventBridgeServiceException).name).toBe('ValidationException');
      expect((error as EventBridgeServiceException).$metadata.httpStatusCode).toBe(400);
    }
    expect(server.calls().every((c) => c.entries.length <= 10)).toBe(true);
  });
});
