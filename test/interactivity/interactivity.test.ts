/**
 * The interactivity endpoint against the stand-ins: a page posted by the real notifier
 * (dynalite, the Slack stand-in), then clicks signed exactly as Slack signs them
 * (local/slack-click.ts, an implementation independent of the one under test), through
 * `receive` (the fast half) and `perform` (the slow half, run as the async self-invoke would).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicArn } from '../../local/sns-server';
import { sign, signedClick } from '../../local/slack-click';
import type { SlackMessage } from '../../local/slack-server';
import { ruleSet as shippedRuleSet } from '../../rules';
import type { Rule, RuleSet } from '../../rules/schema';
import { ROOT_ACTION } from '../../templates/slack-actions';
import { USERS_PAGE_ACTION } from '../../templates/slack-action-notes';
import { fromFunctionUrl } from '../../functions/interactivity/function-url';
import { perform, type PerformDeps } from '../../functions/interactivity/perform';
import { receive, type Job, type ReceiveDeps } from '../../functions/interactivity/receive';
import { createReplayGuard } from '../../functions/interactivity/replay-guard';
import { createGroupMembers, createResponder } from '../../functions/interactivity/responder-slack';
import { handleEvent } from '../../functions/notifier/handle-event';
import { noProbe } from '../../functions/notifier/ports';
import { createSlackTokenSource } from '../../functions/notifier/slack-token';
import { recordingLogger } from '../../functions/notifier/test-support';
import { alarmEvent } from '../notifier/events';
import {
  CREDENTIALS,
  REGION,
  SLACK_SECRET,
  faultTrace,
  lambdaContext,
  notifierDeps,
  startHarness,
  type Harness,
  type TestDeps,
} from '../notifier/harness';

const RULE = 'registered-user-faults';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const T = new Date('2026-03-02T10:00:00Z');
const ALICE = { id: 'U0ALICE01', username: 'alice' };
const BOB = { id: 'U0BOB0001', username: 'bob' };
const ONCALL_GROUP = 'S0ONCALL01';

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await startHarness();
  h.slack.addUserGroup(ONCALL_GROUP, [ALICE.id]);
});
afterAll(() => h?.close());

interface Page {
  notifier: TestDeps;
  channel: string;
  incidentId: string;
  root(): SlackMessage;
  thread(): SlackMessage[];
  receive(request: {
    headers: Record<string, string>;
    body: string;
    method?: string;
  }): ReturnType<typeof receive>;
  /** Jobs handed off so far; `run` performs them as the async invoke would. */
  jobs: Job[];
  run(): Promise<string[]>;
  lines: ReturnType<typeof recordingLogger>['lines'];
  now: { value: Date };
}

function ruleSetWith(change: Partial<Rule>, channel: string): RuleSet {
  return {
    ...shippedRuleSet,
    routing: { slackChannels: [...shippedRuleSet.routing.slackChannels, { name: channel }] },
    rules: shippedRuleSet.rules.map((r) =>
      r.id === RULE ? { ...r, ...change, routes: { ...r.routes, slack: channel } } : r,
    ),
  };
}

/** A fresh table, channel and page: the notifier has paged a firing alarm. */
async function page(change: Partial<Rule> = {}): Promise<Page> {
  const channel = `act-${++n}`;
  h.slack.addChannel({ name: channel });
  const topic = topicArn(`act-${n}`);
  h.sns.addTopic(topic);
  const now = { value: new Date(T.getTime() + 2 * 60_000) };
  const ruleSet = ruleSetWith(change, channel);
  const notifier = await notifierDeps(h, { ruleSet, now: () => now.value });
  notifier.onCallTopicArn = topic;
  h.traces.put(faultTrace(n * 100, 'maria', T.getTime() - 60_000));
  const result = await handleEvent(
    alarmEvent({ id: `fire-${n}`, at: T, from: 'OK', to: 'ALARM' }),
    lambdaContext(),
    notifier,
  );
  if (result.kind !== 'processed' || !result.incidentId)
    throw new Error(`not paged: ${JSON.stringify(result)}`);
  const incidentId = result.incidentId;
  const logger = recordingLogger();
  const secrets = new SecretsProvider({
    awsSdkV3Client: new SecretsManagerClient({
      region: REGION,
      credentials: CREDENTIALS,
      endpoint: h.secrets.url,
    }),
  });
  const token = createSlackTokenSource({ provider: secrets, secretId: SLACK_SECRET, maxAgeSeconds: 300 });
  const rule = (id: string) => ruleSet.rules.find((r) => r.id === id);
  const jobs: Job[] = [];
  const receiveDeps: ReceiveDeps = {
    signingSecret: async () => SIGNING_SECRET,
    replay: createReplayGuard({ doc: h.dynamo.doc, tableName: notifier.tableName }),
    incidents: notifier.store.incidents,
    rule,
    groupMembers: createGroupMembers({ token, slackApiUrl: h.slack.apiUrl, now: () => now.value }),
    handOff: async (job) => void jobs.push(job),
    now: () => now.value,
    logger,
  };
  const performDeps: PerformDeps = {
    store: notifier.store,
    slack: notifier.slack,
    rule,
    respond: createResponder({ responseUrlBase: `${h.slack.url}/actions/` }),
    claims: { owner: 'worker-1', now: () => now.value, sleep: async () => undefined, probe: noProbe },
    budget: { remainingMs: () => 60_000 },
    now: () => now.value,
    logger,
  };
  const roots = () => h.slack.messages(channel);
  return {
    notifier,
    channel,
    incidentId,
    root: () => roots()[0]!,
    thread: () => h.slack.thread(channel, roots()[0]!.ts).slice(1),
    receive: (r) => receive({ method: r.method ?? 'POST', headers: r.headers, rawBody: r.body }, receiveDeps),
    jobs,
    run: async () => {
      const outcomes: string[] = [];
      for (const job of jobs.splice(0)) outcomes.push(await perform(job, performDeps));
      return outcomes;
    },
    lines: logger.lines,
    now,
  };
}

const click = (p: Page, actionId: string, user = ALICE, at = p.now.value) =>
  signedClick({ slack: h.slack, message: p.root(), actionId, user, secret: SIGNING_SECRET, at });

const blocksOf = (m: SlackMessage) => JSON.stringify(m.blocks ?? []);
const actionIds = (m: SlackMessage) =>
  (m.blocks ?? []).flatMap((b) =>
    (b as { type: string; elements?: Array<{ action_id?: string }> }).type === 'actions'
      ? (b as { elements: Array<{ action_id: string }> }).elements.map((e) => e.action_id)
      : [],
  );

/** What a refused click must leave as it was. */
async function state(p: Page) {
  return {
    incident: await p.notifier.store.incidents.get(p.incidentId),
    silences: await p.notifier.store.silences.list(RULE),
    root: p.root(),
    thread: p.thread().length,
    writes: h.slack.calls('chat.postMessage').length + h.slack.calls('chat.update').length,
  };
}

describe('bad input: each gets its HTTP answer, a log line with the reason, and changes nothing', () => {
  const forged = (p: Page) => {
    const c = click(p, ROOT_ACTION.acknowledge);
    return { ...c, headers: { ...c.headers, 'x-slack-signature': `v0=${'0'.repeat(64)}` } };
  };
  const rows: Array<{
    row: string;
    request: (p: Page) => Promise<{ headers: Record<string, string>; body: string; method?: string }>;
    status: number;
    reason: string;
    change?: Partial<Rule>;
    /** Refusals after verification tell the clicker why (ephemeral), still changing nothing. */
    notice?: RegExp;
  }> = [
    { row: 'forged signature', request: async (p) => forged(p), status: 401, reason: 'invalid-signature' },
    {
      row: 'signed with another secret',
      request: async (p) =>
        signedClick({
          slack: h.slack,
          message: p.root(),
          actionId: ROOT_ACTION.acknowledge,
          user: ALICE,
          secret: 'not-the-secret',
          at: p.now.value,
        }),
      status: 401,
      reason: 'invalid-signature',
    },
    {
      row: 'body changed after signing',
      request: async (p) => {
        const c = click(p, ROOT_ACTION.acknowledge);
        return { ...c, body: c.body.replace('U0ALICE01', 'U0MALLORY') };
      },
      status: 401,
      reason: 'invalid-signature',
    },
    {
      row: 'missing signature header',
      request: async (p) => {
        const { 'x-slack-signature': _s, ...headers } = click(p, ROOT_ACTION.acknowledge).headers;
        return { headers, body: click(p, ROOT_ACTION.acknowledge).body };
      },
      status: 401,
      reason: 'missing-signature-headers',
    },
    {
      row: 'missing timestamp header',
      request: async (p) => {
        const c = click(p, ROOT_ACTION.acknowledge);
        const { 'x-slack-request-timestamp': _t, ...headers } = c.headers;
        return { headers, body: c.body };
      },
      status: 401,
      reason: 'missing-signature-headers',
    },
    {
      row: 'timestamp older than 5 minutes (correctly signed)',
      request: async (p) =>
        click(p, ROOT_ACTION.acknowledge, ALICE, new Date(p.now.value.getTime() - 5 * 60_000 - 1_000)),
      status: 401,
      reason: 'stale-timestamp',
    },
    {
      row: 'timestamp more than 5 minutes ahead',
      request: async (p) =>
        click(p, ROOT_ACTION.acknowledge, ALICE, new Date(p.now.value.getTime() + 6 * 60_000)),
      status: 401,
      reason: 'stale-timestamp',
    },
    {
      row: 'replayed request',
      request: async (p) => {
        const c = click(p, ROOT_ACTION.silence1h);
        // The genuine one was the user's; the copy is an attacker's, seconds later.
        await p.receive(c);
        await p.run();
        return c;
      },
      status: 401,
      reason: 'replayed',
    },
    {
      row: 'not Slack’s body (JSON, no payload field)',
      request: async (p) => sign(JSON.stringify({ action: 'ack' }), SIGNING_SECRET, p.now.value),
      status: 400,
      reason: 'not-a-slack-payload',
    },
    {
      row: 'payload that is not block_actions',
      request: async (p) =>
        sign(
          `payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission', user: { id: ALICE.id } }))}`,
          SIGNING_SECRET,
          p.now.value,
        ),
      status: 400,
      reason: 'not-a-slack-payload',
    },
    {
      row: 'an action none of our buttons has',
      request: async (p) => {
        const c = click(p, ROOT_ACTION.acknowledge);
        const payload = JSON.parse(new URLSearchParams(c.body).get('payload')!);
        payload.actions[0].action_id = 'uia.delete-everything';
        return sign(`payload=${encodeURIComponent(JSON.stringify(payload))}`, SIGNING_SECRET, p.now.value);
      },
      status: 400,
      reason: 'unknown-action',
    },
    {
      row: 'a GET',
      request: async (p) => ({ ...click(p, ROOT_ACTION.acknowledge), method: 'GET' }),
      status: 405,
      reason: 'not-post',
    },
    {
      row: 'an incident that does not exist',
      request: async (p) => {
        const c = click(p, ROOT_ACTION.acknowledge);
        const body = decodeURIComponent(c.body.slice('payload='.length)).replaceAll(
          JSON.stringify(JSON.stringify({ incident: p.incidentId })).slice(1, -1),
          JSON.stringify(
            JSON.stringify({ incident: 'registered-user-faults@2020-01-01T00:00:00.000Z' }),
          ).slice(1, -1),
        );
        return sign(`payload=${encodeURIComponent(body)}`, SIGNING_SECRET, p.now.value);
      },
      status: 200,
      reason: 'unknown-incident',
      notice: /no longer exists/,
    },
    {
      row: 'an incident already resolved',
      request: async (p) => {
        const c = click(p, ROOT_ACTION.acknowledge);
        await handleEvent(
          alarmEvent({
            id: `ok-${n}`,
            at: new Date(T.getTime() + 60_000),
            from: 'ALARM',
            to: 'OK',
            previousAt: T,
          }),
          lambdaContext(),
          p.notifier,
        );
        return c;
      },
      status: 200,
      reason: 'incident-resolved',
      notice: /already resolved/,
    },
    {
      row: 'a user outside the allowed user groups',
      change: { actions: { allowedUserGroups: [ONCALL_GROUP] } },
      request: async (p) => click(p, ROOT_ACTION.acknowledge, BOB),
      status: 200,
      reason: 'not-allowed',
      notice: /Only members of <!subteam\^S0ONCALL01>/,
    },
  ];

  it.each(rows)(
    '$row → HTTP $status, reason $reason',
    async ({ request, status, reason, change, notice }) => {
      const p = await page(change);
      const req = await request(p);
      const before = await state(p);
      const responsesBefore = h.slack.responses().length;
      const answer = await p.receive(req);
      expect(answer.statusCode).toBe(status);
      expect(p.lines.some((l) => l.message.includes('refused') && l.extra?.reason === reason)).toBe(true);
      const outcomes = await p.run();
      expect(await state(p)).toEqual(before);
      const told = h.slack.responses().slice(responsesBefore);
      if (notice) {
        expect(outcomes).toEqual(['noticed']);
        expect(told).toHaveLength(1);
        expect(told[0]!.body).toMatchObject({
          response_type: 'ephemeral',
          text: expect.stringMatching(notice),
        });
      } else {
        expect(outcomes).toEqual([]);
        expect(told).toEqual([]);
      }
    },
  );

  it('lets a member of the allowed group act', async () => {
    const p = await page({ actions: { allowedUserGroups: [ONCALL_GROUP] } });
    expect((await p.receive(click(p, ROOT_ACTION.acknowledge, ALICE))).statusCode).toBe(200);
    expect(await p.run()).toEqual(['acknowledged']);
  });
});

describe('each action’s effect on the incident record, the root and the thread', () => {
  it('Acknowledge records who and when, shows "Acknowledged by" on the root without the button, and notes it once in the thread', async () => {
    const p = await page();
    expect(actionIds(p.root())).toEqual([
      ROOT_ACTION.acknowledge,
      ROOT_ACTION.silence1h,
      ROOT_ACTION.silence4h,
      ROOT_ACTION.resolve,
      ROOT_ACTION.users,
      ROOT_ACTION.traces,
    ]);
    const c = click(p, ROOT_ACTION.acknowledge);
    expect((await p.receive(c)).statusCode).toBe(200);
    // Duplicated hand-off (Lambda's async retry): performing twice changes nothing more.
    p.jobs.push(...p.jobs);
    expect(await p.run()).toEqual(['acknowledged', 'already-acknowledged']);
    const incident = await p.notifier.store.incidents.get(p.incidentId);
    expect(incident?.acknowledgement).toMatchObject({
      by: ALICE.id,
      byName: 'alice',
      at: p.now.value.toISOString(),
      via: 'acknowledge',
    });
    expect(blocksOf(p.root())).toContain('*Acknowledged* by <@U0ALICE01>');
    expect(actionIds(p.root())).not.toContain(ROOT_ACTION.acknowledge);
    const notes = p.thread().filter((m) => m.text.includes('Acknowledged'));
    expect(notes).toHaveLength(1);
  });

  it('a second responder’s Acknowledge keeps the first and tells the second so', async () => {
    const p = await page();
    const first = click(p, ROOT_ACTION.acknowledge, ALICE);
    const second = click(p, ROOT_ACTION.acknowledge, BOB);
    await Promise.all([p.receive(first), p.receive(second)]);
    const outcomes = await p.run();
    expect(outcomes.sort()).toEqual(['acknowledged', 'already-acknowledged']);
    expect((await p.notifier.store.incidents.get(p.incidentId))?.acknowledgement?.by).toBe(ALICE.id);
    expect(h.slack.responses().at(-1)?.body.text).toMatch(/Already acknowledged by <@U0ALICE01>/);
  });

  it('Silence 1 h stores a runtime silence for the rule from now, notes its end in the thread, and holds back the next firing', async () => {
    const p = await page();
    await p.receive(click(p, ROOT_ACTION.silence1h));
    expect(await p.run()).toEqual(['silenced']);
    const [silence, ...more] = await p.notifier.store.silences.list(RULE);
    expect(more).toEqual([]);
    expect(silence).toMatchObject({
      from: p.now.value.toISOString(),
      until: new Date(p.now.value.getTime() + 60 * 60_000).toISOString(),
      createdBy: ALICE.id,
      incidentId: p.incidentId,
    });
    expect(p.thread().some((m) => m.text.includes('Silenced for 1 h') && m.text.includes('11:02 UTC'))).toBe(
      true,
    );
    // The alarm clears and fires again inside the silence: recorded, nobody paged.
    const rootsBefore = h.slack.messages(p.channel).length;
    await handleEvent(
      alarmEvent({ id: `ok-s${n}`, at: new Date(T.getTime() + 3 * 60_000), from: 'ALARM', to: 'OK' }),
      lambdaContext(),
      p.notifier,
    );
    const again = await handleEvent(
      alarmEvent({ id: `re-s${n}`, at: new Date(T.getTime() + 40 * 60_000), from: 'OK', to: 'ALARM' }),
      lambdaContext(),
      p.notifier,
    );
    expect(again).toMatchObject({ kind: 'processed', silenced: true, slack: [], email: 'not-planned' });
    expect(h.slack.messages(p.channel)).toHaveLength(rootsBefore);
  });

  it('Resolve resolves by hand, marked as such, says the alarm is still in ALARM, and takes the buttons that act away', async () => {
    const p = await page();
    await p.receive(click(p, ROOT_ACTION.resolve, BOB));
    expect(await p.run()).toEqual(['resolved']);
    const incident = await p.notifier.store.incidents.get(p.incidentId);
    expect(incident).toMatchObject({
      state: 'resolved',
      resolvedAt: p.now.value.toISOString(),
      manualResolve: { by: BOB.id, stillFiring: ['alarm'] },
      acknowledgement: { by: BOB.id, via: 'resolve' },
    });
    expect(blocksOf(p.root())).toContain('*Resolved manually* by <@U0BOB0001>');
    expect(blocksOf(p.root())).toContain('the alarm was still in ALARM');
    expect(actionIds(p.root())).toEqual([ROOT_ACTION.users, ROOT_ACTION.traces]);
    expect(p.thread().some((m) => m.text.includes('the alarm is still in ALARM'))).toBe(true);
  });

  it('All affected users answers the clicker alone with the record’s list, paged 50 at a time', async () => {
    const p = await page();
    const users = Array.from({ length: 120 }, (_, i) => `shopper-${String(i).padStart(3, '0')}`);
    const incident = (await p.notifier.store.incidents.get(p.incidentId))!;
    await p.notifier.store.incidents.updateImpact(p.incidentId, incident.impact, users);
    const threadBefore = p.thread().length;
    await p.receive(click(p, ROOT_ACTION.users));
    expect(await p.run()).toEqual(['listed']);
    const first = h.slack.responses().at(-1)!.body;
    expect(first).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const all = (await p.notifier.store.incidents.get(p.incidentId))!.users;
    expect(JSON.stringify(first.blocks)).toContain(`• ${all[0]}`);
    expect(JSON.stringify(first.blocks)).not.toContain(`• ${all[50]}`);
    expect(String(first.text)).toMatch(new RegExp(`${all.length}.*page 1 of ${Math.ceil(all.length / 50)}`));
    // "Next", pressed on the ephemeral message, shows the second page.
    const ephemeral = { ...p.root(), blocks: first.blocks as unknown[] };
    await p.receive(
      signedClick({
        slack: h.slack,
        message: ephemeral,
        actionId: USERS_PAGE_ACTION.next,
        user: ALICE,
        secret: SIGNING_SECRET,
        at: p.now.value,
      }),
    );
    await p.run();
    const second = h.slack.responses().at(-1)!.body;
    expect(JSON.stringify(second.blocks)).toContain(`• ${all[50]}`);
    expect(p.thread()).toHaveLength(threadBefore);
  });

  it('the Traces link needs no work: answered 200, nothing handed off', async () => {
    const p = await page();
    const before = await state(p);
    expect((await p.receive(click(p, ROOT_ACTION.traces))).statusCode).toBe(200);
    expect(p.jobs).toEqual([]);
    expect(await state(p)).toEqual(before);
  });
});

describe('function URL events', () => {
  it('decodes a base64 form body to the bytes Slack signed', () => {
    const body = 'payload=%7B%22a%22%3A1%7D';
    const request = fromFunctionUrl({
      requestContext: { http: { method: 'POST' } },
      headers: { 'x-slack-signature': 'v0=x' },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    });
    expect(request).toEqual({ method: 'POST', headers: { 'x-slack-signature': 'v0=x' }, rawBody: body });
  });
});
