import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEventBus,
  startEventBridgeServer,
  type BusEvent,
  type EventBridgeServer,
} from '../../local/event-bus';
import { ruleSet } from '../../rules';
import { INCIDENT_UPDATED_DETAIL_TYPE, projectEventSource } from '../../rules/names';
import { incidentUpdatedDetailSchema, type IncidentUpdatedDetail } from './incident-event';
import { publishIncidentEvent } from './publish-incident-event';
import { recordingLogger } from './test-support';
import { localClientConfig } from '../../local/sdk-client';

const bus = createEventBus({ busNames: ['default', 'uia-incidents'] });
const received: BusEvent[] = [];
bus.addTarget({
  id: 'consumer',
  busName: 'uia-incidents',
  pattern: {
    source: [projectEventSource(ruleSet.namePrefix)],
    'detail-type': [INCIDENT_UPDATED_DETAIL_TYPE],
  },
  handler: (event) => {
    received.push(event);
  },
});
let server: EventBridgeServer;
let client: EventBridgeClient;
beforeAll(async () => {
  server = await startEventBridgeServer(bus);
  client = new EventBridgeClient(localClientConfig(server.url));
});
afterAll(() => server?.close());

const detail: IncidentUpdatedDetail = {
  schemaVersion: 1,
  ruleId: 'registered-user-faults',
  incidentId: 'registered-user-faults@2026-03-02T10:00:00.000Z',
  title: 'Faults for registered shoppers',
  severity: 'page',
  state: 'open',
  change: 'opened',
  test: false,
  silenced: false,
  trigger: { eventId: 'e1', kind: 'alarm', state: 'firing', at: '2026-03-02T10:00:00.000Z' },
  firstFiredAt: '2026-03-02T10:00:00.000Z',
  lastEventAt: '2026-03-02T10:00:00.000Z',
  sources: ['alarm'],
  activeSources: ['alarm'],
  counts: {
    affectedUsers: 1,
    anonymousRequests: 0,
    unattributedTraces: 0,
    totalTraces: 1,
    faults: 1,
    partial: false,
  },
  links: { runbook: 'https://runbooks.example.com/x' },
};

describe('publishIncidentEvent', () => {
  it('puts the event on the project bus with the project source, where a consumer matches it', async () => {
    const logger = recordingLogger();
    const at = new Date('2026-03-02T10:00:01Z');
    const ok = await publishIncidentEvent(
      detail,
      { eventBridge: client, busName: 'uia-incidents', namePrefix: 'uia', logger },
      at,
    );
    await bus.idle();
    expect(ok).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      source: 'uia.alerting',
      'detail-type': 'Incident Updated',
      time: '2026-03-02T10:00:01Z',
    });
    expect(incidentUpdatedDetailSchema.parse(received[0]!.detail)).toEqual(detail);
    expect(server.calls().at(-1)?.entries[0]?.EventBusName).toBe('uia-incidents');
  });

  it('reports a rejected entry as false and logs it instead of throwing', async () => {
    const logger = recordingLogger();
    const ok = await publishIncidentEvent(
      detail,
      { eventBridge: client, busName: 'gone', namePrefix: 'uia', logger },
      new Date(),
    );
    expect(ok).toBe(false);
    expect(logger.lines[0]).toMatchObject({
      level: 'error',
      extra: { errorCode: 'ResourceNotFoundException', bus: 'gone' },
    });
  });

  it('reports an unreachable endpoint as false too', async () => {
    const logger = recordingLogger();
    const offline = new EventBridgeClient(localClientConfig('http://127.0.0.1:9'));
    expect(
      await publishIncidentEvent(
        detail,
        { eventBridge: offline, busName: 'uia-incidents', namePrefix: 'uia', logger },
        new Date(),
      ),
    ).toBe(false);
    expect(logger.lines[0]?.message).toBe('Incident Updated event not published; the page is unaffected');
  });
});
