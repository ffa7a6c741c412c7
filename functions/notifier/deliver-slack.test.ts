import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertsTable } from '../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { startSlackServer, type SlackServer } from '../../local/slack-server';
import type { SlackMessage } from '../../templates/slack-alert';
import { createIncidentStore, type IncidentStore } from '../shared/incidents/store';
import type { Budget } from './budget';
import { deliverSlack, ROOT_POLL_MS, type SlackDeliveryDeps } from './deliver-slack';
import { PermanentError, RetryableError } from './errors';
import type { SlackPlan } from './plan-deliveries';
import { createSlackApi } from './slack-api';
import { fakeClock, recordingLogger, type FakeClock } from './test-support';

let db: LocalDynamoDb;
let slack: SlackServer;
let store: IncidentStore;
let clock: FakeClock;
let tables = 0;

beforeAll(async () => {
  [db, slack] = await Promise.all([
    startLocalDynamoDb(),
    startSlackServer({ channels: [{ name: 'shop-oncall', id: 'C0ONCALL01' }] }),
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

const page = (text: string): SlackMessage => ({
  text,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
});
const budget = (ms: number): Budget => {
  const deadline = clock.now().getTime() + ms;
  return { remainingMs: () => Math.max(0, deadline - clock.now().getTime()) };
};

function deps(ms: number): SlackDeliveryDeps {
  return {
    store,
    slack: createSlackApi({
      token: async () => slack.token,
      slackApiUrl: slack.apiUrl,
      sleep: clock.sleep,
      random: () => 0,
      logger: recordingLogger(),
    }),
    budget: budget(ms),
    sleep: clock.sleep,
    logger: recordingLogger(),
  };
}

async function openIncident() {
  const { incident } = await store.openOrAttach(
    {
      ruleId: 'r',
      severity: 'page',
      title: 't',
      source: 'alarm',
      at: clock.now(),
      test: false,
      silenced: false,
    },
    15 * 60_000,
  );
  return incident;
}

const firing: SlackPlan = { channel: 'shop-oncall', ensureRoot: true, reply: true, updateRoot: undefined };

describe('deliverSlack', () => {
  it('waits for a twin posting the root, and fails retryably when it does not finish in the budget', async () => {
    const incident = await openIncident();
    expect(await store.claimDelivery(incident.id, 'incident', 'slack-root', 60_000)).toBe('claimed');
    const input = {
      plan: firing,
      incident,
      eventId: 'evt-2',
      page: async () => page('update'),
      rootPage: async () => page('x'),
    };

    const failure = deliverSlack(input, deps(1_000));
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    await expect(failure).rejects.toThrow('another invocation is still posting the thread root');
    expect(clock.sleeps.every((ms) => ms === ROOT_POLL_MS)).toBe(true);
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(2);

    // The twin finishes: the next attempt replies in its thread instead of posting a second root.
    const root = await createSlackApi({
      token: async () => slack.token,
      slackApiUrl: slack.apiUrl,
      sleep: clock.sleep,
      random: () => 0,
      logger: recordingLogger(),
    }).post({ channel: 'shop-oncall', ...page('root by evt-1') }, { budget: budget(10_000) });
    await store.completeDelivery(incident.id, 'incident', 'slack-root', { ...root, eventId: 'evt-1' });
    const result = await deliverSlack(input, deps(10_000));
    expect(result).toMatchObject({ root: { ...root, eventId: 'evt-1' }, sent: ['reply'] });
    expect(slack.thread('C0ONCALL01', root.ts).map((m) => m.text)).toEqual(['root by evt-1', 'update']);
    expect((await store.get(incident.id))?.slack).toEqual({ channel: 'C0ONCALL01', rootTs: root.ts });
  });

  it('runs the reply even when rewriting the root fails, then reports the failure', async () => {
    const incident = await openIncident();
    const first = await deliverSlack(
      {
        plan: firing,
        incident,
        eventId: 'evt-1',
        page: async () => page('FIRING'),
        rootPage: async () => page('FIRING'),
      },
      deps(10_000),
    );
    expect(first.sent).toEqual(['root']);
    slack.failNext({ kind: 'error', error: 'cant_update_message' }, { method: 'chat.update' });
    const resolve: SlackPlan = {
      channel: 'shop-oncall',
      ensureRoot: false,
      reply: true,
      updateRoot: 'resolved',
    };
    const input = {
      plan: resolve,
      incident,
      eventId: 'evt-9',
      page: async () => page('RESOLVED reply'),
      rootPage: async () => page('RESOLVED root'),
    };

    const failure = deliverSlack(input, deps(10_000));
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow('chat.update: cant_update_message');
    const thread = slack.thread('C0ONCALL01', first.root!.ts);
    expect(thread.map((m) => m.text)).toEqual(['FIRING', 'RESOLVED reply']);

    // The retry redoes only the failed step.
    const retry = await deliverSlack(input, deps(10_000));
    expect(retry.sent).toEqual(['root-update']);
    expect(slack.thread('C0ONCALL01', first.root!.ts).map((m) => m.text)).toEqual([
      'RESOLVED root',
      'RESOLVED reply',
    ]);
  });
});
