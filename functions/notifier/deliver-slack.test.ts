import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertsTable } from '../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { startSlackServer, type SlackServer } from '../../local/slack-server';
import { ruleSet } from '../../rules';
import type { Incident } from '../shared/incidents/model';
import { createIncidentStore, type IncidentStore } from '../shared/incidents/store';
import type { Alert } from './alert';
import type { Budget } from './budget';
import { CLAIM_POLL_MS, leaseFor } from './delivery-claim';
import { deliverSlack, ROOT_EVENT_TYPE, SLACK_SEND, syncRoot, type SlackDeliveryDeps } from './deliver-slack';
import { enrich } from './enrich';
import { RetryableError } from './errors';
import { parseEvent } from './parse';
import type { SlackPlan } from './plan-deliveries';
import { createSlackApi } from './slack-api';
import { fakeClock, fixture, recordingLogger, type FakeClock } from './test-support';

let db: LocalDynamoDb;
let slack: SlackServer;
let store: IncidentStore;
let clock: FakeClock;
let tables = 0;
const rule = ruleSet.rules.find((r) => r.id === 'registered-user-faults')!;
const CHANNEL = 'C0ONCALL01';

beforeAll(async () => {
  [db, slack] = await Promise.all([
    startLocalDynamoDb(),
    startSlackServer({ channels: [{ name: 'shop-oncall', id: CHANNEL }] }),
  ]);
});
afterAll(async () => {
  await db?.close();
  await slack?.close();
});
beforeEach(async () => {
  const tableName = `alerts-${++tables}`;
  await createAlertsTable(db.client, tableName);
  clock = fakeClock('2026-03-02T10:00:00Z');
  store = createIncidentStore({ doc: db.doc, tableName, now: clock.now });
});

const budget = (ms: number): Budget => {
  const deadline = clock.now().getTime() + ms;
  return { remainingMs: () => Math.max(0, deadline - clock.now().getTime()) };
};
const api = () =>
  createSlackApi({
    token: async () => slack.token,
    slackApiUrl: slack.apiUrl,
    sleep: clock.sleep,
    random: () => 0,
    logger: recordingLogger(),
  });

function deps(ms: number, owner = 'invocation-1'): SlackDeliveryDeps {
  return {
    deliveries: store.deliveries,
    incidents: store.incidents,
    slack: api(),
    claims: {
      deliveries: store.deliveries,
      owner,
      now: clock.now,
      sleep: clock.sleep,
      probe: async () => undefined,
    },
    budget: budget(ms),
    now: clock.now,
    logger: recordingLogger(),
  };
}

async function thePage(state: 'firing' | 'resolved' = 'firing') {
  const parsed = parseEvent(fixture(state === 'firing' ? 'alarm-threshold' : 'alarm-threshold-resolved'), {
    namePrefix: 'uia',
    // The fixtures' account.
    accounts: ['123456789012'],
    logger: recordingLogger(),
  });
  if (parsed.kind !== 'alert') throw new Error(parsed.reason);
  const alert: Alert = parsed.alert;
  const enrichment = await enrich(
    { alert, rule },
    {
      xray: { send: async () => ({ TraceSummaries: [] }) } as never,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0,
      logger: recordingLogger(),
    },
  );
  return { snapshot: { alert, enrichment }, slack: { text: `page of ${alert.eventId}`, blocks: [] } };
}

async function openIncident(): Promise<Incident> {
  const { incident } = await store.openOrAttach(
    {
      ruleId: rule.id,
      severity: 'page',
      title: rule.title,
      source: 'alarm',
      at: clock.now(),
      test: false,
      silenced: false,
    },
    15 * 60_000,
  );
  return incident;
}

const theReply = async () => ({ text: 'reply of evt-2', blocks: [] });

const firing: SlackPlan = { channel: CHANNEL, ensureRoot: true, reply: true };
const rootKey = { eventKey: 'incident', channel: 'slack-root' };

describe('deliverSlack', () => {
  it('waits for a twin posting the root, fails retryably when it does not finish in the budget, then replies in its thread', async () => {
    const incident = await openIncident();
    await store.deliveries.claim(incident.id, rootKey, 'twin', leaseFor(SLACK_SEND));
    const input = { plan: firing, incident, rule, eventId: 'evt-2', page: () => thePage(), reply: theReply };

    const failure = deliverSlack(input, deps(1_000));
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    await expect(failure).rejects.toThrow(/slack-root for incident .*: another invocation holds the claim/);
    expect(clock.sleeps.every((ms) => ms === CLAIM_POLL_MS)).toBe(true);

    const root = await api().post(
      { channel: CHANNEL, text: 'root by evt-1', blocks: [] },
      { budget: budget(10_000) },
    );
    await store.deliveries.complete(incident.id, rootKey, { ...root, eventId: 'evt-1' });
    const result = await deliverSlack(input, deps(10_000));
    expect(result).toMatchObject({ root: { ...root, eventId: 'evt-1' }, sent: ['reply'] });
    expect(slack.thread(CHANNEL, root.ts).map((m) => m.text)).toEqual(['root by evt-1', 'reply of evt-2']);
    expect((await store.get(incident.id))?.slack).toEqual({ channel: CHANNEL, rootTs: root.ts });
  });

  it('finds the root a killed invocation posted (by its metadata) instead of posting a second one', async () => {
    const incident = await openIncident();
    // The dead holder: claimed, posted with metadata, died before recording it.
    await store.deliveries.claim(incident.id, rootKey, 'dead', leaseFor(SLACK_SEND));
    const orphan = await api().post(
      {
        channel: CHANNEL,
        text: 'orphan root',
        blocks: [],
        metadata: { eventType: ROOT_EVENT_TYPE, payload: { incident_id: incident.id } },
      },
      { budget: budget(10_000) },
    );
    clock.advance(leaseFor(SLACK_SEND) + 1);
    const before = slack.messages(CHANNEL).length;

    const result = await deliverSlack(
      { plan: firing, incident, rule, eventId: 'evt-1', page: () => thePage(), reply: theReply },
      deps(20_000),
    );
    expect(result.root).toMatchObject({ channel: CHANNEL, ts: orphan.ts });
    expect(slack.messages(CHANNEL)).toHaveLength(before);
    // Adopted, not posted: the sync rewrites it from this event's page.
    expect(await syncRoot(incident.id, rule, deps(20_000))).toBe('updated');
    expect(slack.messages(CHANNEL).find((m) => m.ts === orphan.ts)?.text).toContain('FIRING');
  });

  it('points a second root, posted in a race, at the real thread', async () => {
    const incident = await openIncident();
    const real = await api().post(
      { channel: CHANNEL, text: 'real root', blocks: [] },
      { budget: budget(10_000) },
    );
    const slow = deps(20_000, 'slow');
    const client = slow.slack;
    let duplicate: string | undefined;
    slow.slack = {
      ...client,
      post: async (message, options) => {
        const res = await client.post(message, options);
        if (message.threadTs === undefined) {
          // While this post was in flight, a retry that took over recorded its own root.
          duplicate = res.ts;
          await store.deliveries.complete(incident.id, rootKey, { ...real, eventId: 'evt-0' });
        }
        return res;
      },
    };
    const result = await deliverSlack(
      { plan: firing, incident, rule, eventId: 'evt-1', page: () => thePage(), reply: theReply },
      slow,
    );
    expect(result.root?.ts).toBe(real.ts);
    const second = slack.messages(CHANNEL).find((m) => m.ts === duplicate)!;
    expect(second.text).toMatch(
      /^Duplicate post for .*: updates go to <https:\/\/slack\.com\/archives\/C0ONCALL01\/p/,
    );
    expect(second.text).not.toContain('FIRING');
  });
});

describe('syncRoot', () => {
  it('rewrites the root to the incident state once, in version order, and redoes a rewrite killed half-way', async () => {
    const incident = await openIncident();
    const first = await deliverSlack(
      { plan: firing, incident, rule, eventId: 'evt-1', page: () => thePage(), reply: theReply },
      deps(20_000),
    );
    const ts = first.root!.ts;
    expect(await syncRoot(incident.id, rule, deps(20_000))).toBe('current');

    await store.resolveSource(rule.id, 'alarm', new Date(clock.now().getTime() + 20 * 60_000));
    expect(await syncRoot(incident.id, rule, deps(20_000))).toBe('updated');
    const root = slack.messages(CHANNEL).find((m) => m.ts === ts)!;
    expect(root.text).toContain('RESOLVED');
    expect(root.updates).toBe(1);
    expect(await syncRoot(incident.id, rule, deps(20_000))).toBe('current');

    // Killed between "syncing" and the Slack call: the next sync does it again.
    await store.deliveries.annotate(incident.id, rootKey, { syncState: 'syncing' }, () => true);
    expect(await syncRoot(incident.id, rule, deps(20_000))).toBe('updated');
    expect(slack.messages(CHANNEL).find((m) => m.ts === ts)?.updates).toBe(2);
  });
});
