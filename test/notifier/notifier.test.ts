/**
 * The notifier end to end against real wire protocols: dynalite for the alerts table, the
 * Slack Web API stand-in (form-encoded posts, `ok:false` errors, injected 5xx/429), SNS,
 * X-Ray with seeded traces, EventBridge and SQS. Every scenario runs `handleEvent`, the
 * function the Lambda handler calls, with real SDK clients and the real Slack WebClient.
 */
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { topicArn } from '../../local/sns-server';
import { ruleSet as shippedRuleSet } from '../../rules';
import type { Rule, RuleSet } from '../../rules/schema';
import { MAX_PROGRESS_EDITS } from '../../functions/notifier/deliver-slack';
import { RetryableError } from '../../functions/notifier/errors';
import { handleEvent, type HandleResult } from '../../functions/notifier/handle-event';
import { incidentUpdatedDetailSchema } from '../../functions/notifier/incident-event';
import type { ProcessedEvent } from '../../functions/notifier/process-event';
import { alarmEvent, insightEvent, testAlertEvent } from './events';
import {
  DLQ,
  faultTrace,
  lambdaContext,
  notifierDeps,
  startHarness,
  type Harness,
  type TestDeps,
} from './harness';

const RULE = 'registered-user-faults';
const T = new Date('2026-03-02T10:00:00Z');
const at = (minutes: number) => new Date(T.getTime() + minutes * 60_000);

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());
beforeEach(() => {
  h.traces.clear();
  h.xray.setPageSize(100);
});

/** The shipped rule set with the paging rule changed (and routed to a channel of its own). */
function ruleSetWith(change: Partial<Rule>, channel: string): RuleSet {
  return {
    ...shippedRuleSet,
    routing: { slackChannels: [...shippedRuleSet.routing.slackChannels, { name: channel }] },
    rules: shippedRuleSet.rules.map((r) =>
      r.id === RULE
        ? {
            ...r,
            // These scenarios are about delivery: the rule pages whatever the impact (severity
            // from impact has its own scenario below, with the shipped rule's threshold).
            impact: undefined,
            ...change,
            routes: { ...r.routes, slack: channel, ...change.routes },
          }
        : r,
    ),
  };
}

interface Scenario {
  deps: TestDeps;
  channel: string;
  topic: string;
  roots(): ReturnType<Harness['slack']['messages']>;
  thread(ts: string): ReturnType<Harness['slack']['thread']>;
  emails(): ReturnType<Harness['sns']['published']>;
}

/** Each scenario gets its own table, Slack channel and on-call topic. */
async function scenario(
  options: { rule?: Partial<Rule>; createChannel?: boolean; deps?: Parameters<typeof notifierDeps>[1] } = {},
): Promise<Scenario> {
  const channel = `oncall-${++n}`;
  const topic = topicArn(`oncall-${n}`);
  if (options.createChannel !== false) h.slack.addChannel({ name: channel });
  h.sns.addTopic(topic);
  const deps = await notifierDeps(h, { ruleSet: ruleSetWith(options.rule ?? {}, channel), ...options.deps });
  deps.onCallTopicArn = topic;
  return {
    deps,
    channel,
    topic,
    roots: () => h.slack.messages(channel),
    thread: (ts) => h.slack.thread(channel, ts),
    emails: () => h.sns.published(topic),
  };
}

function seedFaults(users: string[], around: Date): void {
  users.forEach((user, i) =>
    h.traces.put(faultTrace(++n * 100 + i, user, around.getTime() - 90_000 + i * 1000)),
  );
}

function processed(result: HandleResult): ProcessedEvent {
  if (result.kind !== 'processed')
    throw new Error(`expected a processed event, got ${JSON.stringify(result)}`);
  return result;
}

const blockText = (m: { blocks: unknown[] | undefined }) => JSON.stringify(m.blocks ?? []);

/** The fixture alarm's description: the title every alarm reply names. */
const ALARM_TITLE = 'Goes into alarm when server CPU utilization is too high!';

/**
 * Root edits across `events` events: at least the `rewrites` the state changes need, at most
 * every event's bounded progress edits, its final edit and a state rewrite. (How many progress
 * edits an event makes depends on how fast X-Ray answers; the bound does not.)
 */
function expectRootEdits(updates: number | undefined, rewrites: number, events: number): void {
  expect(updates).toBeGreaterThanOrEqual(rewrites);
  expect(updates).toBeLessThanOrEqual(events * (MAX_PROGRESS_EDITS + 2));
}

/** A thread reply is a delta: at most five lines of mrkdwn. */
function expectShortReply(m: { blocks: unknown[] | undefined }): void {
  const blocks = (m.blocks ?? []) as Array<{ text?: { text?: string } }>;
  expect(blocks).toHaveLength(1);
  expect(blocks[0]!.text!.text!.split('\n').length).toBeLessThanOrEqual(5);
}

async function incidentEvents() {
  await h.bus.idle();
  return h.incidentEvents().map((e) => incidentUpdatedDetailSchema.parse(e.detail));
}

describe('notifier against the local stand-ins', () => {
  it('turns 100 deliveries of one event, 10 at a time, into one root message and one email', async () => {
    const s = await scenario();
    seedFaults(['maria', 'li'], T);
    const before = (await incidentEvents()).length;
    const event = alarmEvent({ id: 'dup-1', at: T, from: 'OK', to: 'ALARM' });

    const results: HandleResult[] = [];
    for (let batch = 0; batch < 10; batch++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, () => handleEvent(structuredClone(event), lambdaContext(), s.deps)),
        )),
      );
    }

    expect(results).toHaveLength(100);
    expect(results.every((r) => r.kind === 'processed')).toBe(true);
    expect(results.filter((r) => processed(r).slack.includes('root'))).toHaveLength(1);
    const [root, ...others] = s.roots();
    expect(others).toEqual([]);
    expect(s.thread(root!.ts)).toHaveLength(1);
    expect(root!.text).toContain('FIRING');
    expect(blockText(root!)).toContain('maria');
    expect(s.emails()).toHaveLength(1);
    expect(s.emails()[0]!.subject).toMatch(
      /^\[PAGE\] FIRING: Faults for registered shoppers - 2 users affected/,
    );
    expect((await incidentEvents()).slice(before).map((e) => e.change)).toEqual(['opened']);

    const incident = await s.deps.store.findCurrent(RULE);
    expect(incident).toMatchObject({
      state: 'open',
      slack: { channel: root!.channel, rootTs: root!.ts },
      impact: { affectedUsers: 2, faults: 2, partial: false },
    });
    expect(incident?.pagedAt).toBeDefined();
  });

  it('still mails when Slack is down, fails retryably, and the retry sends only Slack', async () => {
    const s = await scenario({ deps: { sleep: async () => undefined } });
    seedFaults(['maria'], T);
    const event = alarmEvent({ id: 'down-1', at: T, from: 'OK', to: 'ALARM' });
    h.slack.failNext({ kind: 'http', status: 500 }, { method: 'chat.postMessage', times: 5 });

    const first = handleEvent(event, lambdaContext(), s.deps);
    await expect(first).rejects.toBeInstanceOf(RetryableError);
    await expect(first).rejects.toThrow(
      /slack: Slack chat.postMessage: HTTP 500 \(5 attempts\).*done: email sent/,
    );
    expect(s.emails()).toHaveLength(1);
    expect(s.roots()).toEqual([]);
    const incidentId = (await s.deps.store.findCurrent(RULE))!.id;
    // Released: its lease is over (the record stays, so the retry looks for an earlier post).
    const released = await s.deps.store.deliveries.get(incidentId, {
      eventKey: 'incident',
      channel: 'slack-root',
    });
    expect(released?.status).toBe('sending');
    expect(released!.leaseUntil!).toBeLessThan(s.deps.now().getTime());

    const retry = processed(await handleEvent(event, lambdaContext(), s.deps));
    expect(retry).toMatchObject({ duplicate: true, slack: ['root'], email: 'already-sent' });
    expect(s.roots()).toHaveLength(1);
    expect(s.emails()).toHaveLength(1);
  });

  it('still posts to Slack when SNS throttles, and the retry mails without a second Slack root', async () => {
    const s = await scenario();
    const event = alarmEvent({ id: 'snsdown-1', at: T, from: 'OK', to: 'ALARM' });
    // The SNS client keeps the SDK's standard 3 attempts: throttle all of them.
    h.sns.failNext({ code: 'Throttled', status: 400, message: 'Rate exceeded' }, { times: 3 });

    await expect(handleEvent(event, lambdaContext(), s.deps)).rejects.toThrow(
      /^email: SNS Publish to the on-call topic failed: ThrottledException \(done: slack root sent\)$/,
    );
    expect(s.roots()).toHaveLength(1);
    expect(s.emails()).toEqual([]);

    expect(processed(await handleEvent(event, lambdaContext(), s.deps))).toMatchObject({
      slack: [],
      email: 'sent',
    });
    expect(s.roots()).toHaveLength(1);
    expect(s.thread(s.roots()[0]!.ts)).toHaveLength(1);
    expect(s.emails()).toHaveLength(1);
  });

  it('fails retryably, without dead-lettering, when DynamoDB throttles', async () => {
    const s = await scenario();
    const before = h.sqs.messages(DLQ).length;
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    const deps = { ...s.deps, store: { ...s.deps.store, apply: () => Promise.reject(throttled) } };

    const failure = handleEvent(
      alarmEvent({ id: 'ddb-1', at: T, from: 'OK', to: 'ALARM' }),
      lambdaContext(),
      deps,
    );
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    await expect(failure).rejects.toMatchObject({ cause: throttled });
    expect(h.sqs.messages(DLQ)).toHaveLength(before);
    expect(s.roots()).toEqual([]);
  });

  it('keeps one thread from firing through an update to resolved, and rewrites the root', async () => {
    const s = await scenario();
    seedFaults(['maria', 'li'], T);
    const before = (await incidentEvents()).length;
    await handleEvent(alarmEvent({ id: 'life-1', at: T, from: 'OK', to: 'ALARM' }), lambdaContext(), s.deps);
    await handleEvent(
      alarmEvent({ id: 'life-2', at: at(3), from: 'ALARM', to: 'ALARM', previousAt: T }),
      lambdaContext(),
      s.deps,
    );
    const resolved = processed(
      await handleEvent(
        alarmEvent({ id: 'life-3', at: at(20), from: 'ALARM', to: 'OK', previousAt: at(3) }),
        lambdaContext(),
        s.deps,
      ),
    );

    expect(resolved).toMatchObject({ change: 'resolved', slack: ['reply'], rootsUpdated: 1 });
    const roots = s.roots();
    expect(roots).toHaveLength(1);
    const [root, update, resolution, ...rest] = s.thread(roots[0]!.ts);
    expect(rest).toEqual([]);
    // Replies are deltas: the update names what changed, the resolve is one line.
    expect(update!.text).toBe(`CloudWatch alarm: ${ALARM_TITLE}`);
    expect(blockText(update!)).toContain('CloudWatch alarm update: ');
    expectShortReply(update!);
    expect(resolution!.text).toBe('RESOLVED at 2026-03-02 10:20:00 UTC after 20 min');
    expect(blockText(resolution!).match(/\\n/g)).toBeNull();
    // The root is edited in place as users come in, and rewritten once for the resolve.
    expectRootEdits(root!.updates, 1, 3);
    expect(root!.text).toContain('RESOLVED');
    expect(blockText(root!)).toContain('lasted 20 min');
    expect(s.emails()).toHaveLength(1);
    expect((await incidentEvents()).slice(before).map((e) => [e.change, e.state])).toEqual([
      ['opened', 'open'],
      ['attached', 'open'],
      ['resolved', 'resolved'],
    ]);
    expect(await s.deps.store.findCurrent(RULE)).toMatchObject({
      state: 'resolved',
      resolvedAt: at(20).toISOString(),
    });
  });

  it('shares one incident and thread between the alarm and the Insight of a rule', async () => {
    // The notifier runs just after these events, as on AWS: an ACTIVE Insight's window ends at
    // `now`, and a clock months after the events would stretch it to the 24-hour cap.
    const startedMs = Date.now();
    const s = await scenario({ deps: { now: () => new Date(at(10).getTime() + Date.now() - startedMs) } });
    seedFaults(['maria'], T);
    await handleEvent(alarmEvent({ id: 'mix-1', at: T, from: 'OK', to: 'ALARM' }), lambdaContext(), s.deps);
    const insight = processed(
      await handleEvent(
        insightEvent({ id: 'mix-2', at: at(2), startedAt: T, state: 'ACTIVE' }),
        lambdaContext(),
        s.deps,
      ),
    );
    const alarmOk = processed(
      await handleEvent(
        alarmEvent({ id: 'mix-3', at: at(6), from: 'ALARM', to: 'OK', previousAt: T }),
        lambdaContext(),
        s.deps,
      ),
    );
    const closed = processed(
      await handleEvent(
        insightEvent({ id: 'mix-4', at: at(9), startedAt: T, state: 'CLOSED' }),
        lambdaContext(),
        s.deps,
      ),
    );

    expect([insight.change, alarmOk.change, closed.change]).toEqual(['attached', 'still-open', 'resolved']);
    expect(new Set([insight.incidentId, alarmOk.incidentId, closed.incidentId]).size).toBe(1);
    const roots = s.roots();
    expect(roots).toHaveLength(1);
    expect(s.thread(roots[0]!.ts)).toHaveLength(4);
    expect(roots[0]!.text).toContain('RESOLVED');
    expect(s.emails()).toHaveLength(1);
  });

  it('reopens the same thread when the alarm fires again within the window, without a second email', async () => {
    const s = await scenario();
    await handleEvent(alarmEvent({ id: 'flap-1', at: T, from: 'OK', to: 'ALARM' }), lambdaContext(), s.deps);
    await handleEvent(
      alarmEvent({ id: 'flap-2', at: at(4), from: 'ALARM', to: 'OK', previousAt: T }),
      lambdaContext(),
      s.deps,
    );
    const noData = processed(
      await handleEvent(
        alarmEvent({ id: 'flap-0', at: at(5), from: 'OK', to: 'INSUFFICIENT_DATA', previousAt: at(4) }),
        lambdaContext(),
        s.deps,
      ),
    );
    expect(noData).toMatchObject({ change: 'no-incident', slack: [] });
    const again = processed(
      await handleEvent(
        alarmEvent({ id: 'flap-3', at: at(10), from: 'OK', to: 'ALARM', previousAt: at(4) }),
        lambdaContext(),
        s.deps,
      ),
    );
    const note = processed(
      await handleEvent(
        alarmEvent({ id: 'flap-4', at: at(12), from: 'ALARM', to: 'INSUFFICIENT_DATA', previousAt: at(10) }),
        lambdaContext(),
        s.deps,
      ),
    );

    expect(again).toMatchObject({
      change: 'reopened',
      slack: ['reply'],
      rootsUpdated: 1,
      email: 'already-sent',
    });
    expect(note).toMatchObject({ change: 'noted', slack: ['reply'] });
    const roots = s.roots();
    expect(roots).toHaveLength(1);
    expect(roots[0]!.text).toContain('FIRING');
    // Rewritten for the resolve and the reopen, and edited in place as users come in.
    expectRootEdits(roots[0]!.updates, 2, 4);
    const [root, ...replies] = s.thread(roots[0]!.ts);
    expect(root!.text).toMatch(/^\[PAGE\] FIRING: /);
    expect(replies.map((m) => m.text)).toEqual([
      'RESOLVED at 2026-03-02 10:04:00 UTC after 4 min',
      `CloudWatch alarm: ${ALARM_TITLE}`,
      'NO DATA from the CloudWatch alarm',
    ]);
    expect(blockText(replies[1]!)).toContain('*Fired again* within the reopen window');
    replies.forEach(expectShortReply);
    expect(s.emails()).toHaveLength(1);
    expect(await s.deps.store.findCurrent(RULE)).toMatchObject({ state: 'open', reopenedCount: 1 });
  });

  it('replays a redelivered firing event after the resolution instead of reopening', async () => {
    const s = await scenario();
    const fire = alarmEvent({ id: 'late-1', at: T, from: 'OK', to: 'ALARM' });
    await handleEvent(fire, lambdaContext(), s.deps);
    await handleEvent(
      alarmEvent({ id: 'late-2', at: at(5), from: 'ALARM', to: 'OK', previousAt: T }),
      lambdaContext(),
      s.deps,
    );
    const root = s.roots()[0]!;
    const threadBefore = s.thread(root.ts).length;

    const again = processed(await handleEvent(fire, lambdaContext(), s.deps));
    expect(again).toMatchObject({ duplicate: true, change: 'opened', slack: [], email: 'already-sent' });
    expect(await s.deps.store.findCurrent(RULE)).toMatchObject({ state: 'resolved', reopenedCount: 0 });
    expect(s.thread(root.ts)).toHaveLength(threadBefore);
    expect(s.emails()).toHaveLength(1);
  });

  it('sends a malformed event of ours to the DLQ with its reason, without throwing', async () => {
    const s = await scenario();
    const before = h.sqs.messages(DLQ).length;
    const bad = alarmEvent({ id: 'bad-1', at: T, from: 'OK', to: 'ALARM' });
    (bad.detail as { state: { timestamp: string } }).state.timestamp = 'yesterday';

    const result = await handleEvent(bad, lambdaContext(60_000, 'req-bad'), s.deps);
    expect(result).toEqual({
      kind: 'dead-lettered',
      reason: expect.stringContaining('detail.state.timestamp'),
    });
    const [message, ...more] = h.sqs.messages(DLQ).slice(before);
    expect(more).toEqual([]);
    expect(JSON.parse(message!.body)).toMatchObject({
      kind: 'notifier-permanent-failure',
      reason: expect.stringContaining('expected an ISO-8601 instant, got "yesterday"'),
      requestId: 'req-bad',
      event: { id: 'bad-1' },
      eventTruncated: false,
    });
    expect(message!.attributes.kind).toBe('notifier-permanent-failure');
    expect(s.roots()).toEqual([]);
  });

  it('mails even when the Slack channel does not exist, then dead-letters the Slack failure', async () => {
    const s = await scenario({ createChannel: false });
    const before = h.sqs.messages(DLQ).length;
    const result = await handleEvent(
      alarmEvent({ id: 'nochan-1', at: T, from: 'OK', to: 'ALARM' }),
      lambdaContext(),
      s.deps,
    );

    expect(result).toEqual({
      kind: 'dead-lettered',
      reason: 'slack: Slack chat.postMessage: channel_not_found (done: email sent)',
    });
    expect(s.emails()).toHaveLength(1);
    expect(h.sqs.messages(DLQ).slice(before)).toHaveLength(1);
  });

  it('records a silenced rule (incident and history) but sends nothing', async () => {
    const s = await scenario({
      rule: { silences: [{ until: '2026-03-02T12:00:00Z', reason: 'planned database migration' }] },
    });
    seedFaults(['maria'], T);
    const result = processed(
      await handleEvent(
        alarmEvent({ id: 'quiet-1', at: T, from: 'OK', to: 'ALARM' }),
        lambdaContext(),
        s.deps,
      ),
    );

    expect(result).toMatchObject({ silenced: true, change: 'opened', slack: [], email: 'not-planned' });
    expect(s.roots()).toEqual([]);
    expect(s.emails()).toEqual([]);
    const incident = await s.deps.store.findCurrent(RULE);
    expect(incident).toMatchObject({ silenced: true, impact: { affectedUsers: 1 } });
    expect(incident?.pagedAt).toBeUndefined();
    const { Items } = await h.dynamo.doc.send(
      new QueryCommand({
        TableName: s.deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':pk': `INC#${incident!.id}`, ':e': 'EVENT#' },
      }),
    );
    expect(Items).toEqual([
      expect.objectContaining({
        eventId: 'quiet-1',
        silenced: true,
        summary: expect.stringContaining('silenced until 2026-03-02T12:00:00Z: planned database migration'),
      }),
    ]);
  });

  it('marks a test alert TEST in Slack and in the email, apart from real incidents', async () => {
    const s = await scenario();
    // The whole real route, as `fire --rule-route --email` asks for it (the default is the test channel only).
    const result = processed(
      await handleEvent(
        testAlertEvent({ id: 'drill-1', at: T, route: 'rule', email: true }),
        lambdaContext(),
        s.deps,
      ),
    );
    const [root] = s.roots();
    expect(root!.text.startsWith('[TEST] ')).toBe(true);
    expect(blockText(root!)).toContain('TEST ALERT');
    expect(s.emails()[0]!.subject).toMatch(/^\[TEST\] /);
    expect(await s.deps.store.findCurrent(RULE)).toBeUndefined();
    expect(await s.deps.store.findCurrent(RULE, true)).toMatchObject({ id: result.incidentId, test: true });
  });

  it('still pages, with users unknown, when X-Ray refuses the query', async () => {
    const s = await scenario();
    h.xray.failNext({ type: 'AccessDeniedException', status: 403, message: 'not allowed' });
    await handleEvent(alarmEvent({ id: 'blind-1', at: T, from: 'OK', to: 'ALARM' }), lambdaContext(), s.deps);
    expect(blockText(s.roots()[0]!)).toContain('Users unknown');
    expect(s.emails()[0]!.subject).toMatch(/users unknown$/);
  });

  it('reads the rest of a partial user list in later invocations and completes the root in place', async () => {
    const s = await scenario({
      rule: { enrichment: { ...shippedRuleSet.rules[3]!.enrichment, maxPages: 1 } },
    });
    h.xray.setPageSize(2);
    seedFaults(['u1', 'u2', 'u3', 'u4'], T);
    const event = alarmEvent({ id: 'more-1', at: T, from: 'OK', to: 'ALARM' });
    const first = await handleEvent(structuredClone(event), lambdaContext(), s.deps);
    // One page per invocation: the rest is left to the deferral queue.
    expect(first).toMatchObject({ kind: 'deferred', reason: expect.stringMatching(/enrichment continues/) });
    const partialRoot = s.roots()[0]!;
    expect(blockText(partialRoot)).toContain('FIRING');
    expect(s.emails()).toHaveLength(1);

    // The continuations: what the deferral queue hands back, until reading is done.
    let last: HandleResult = first;
    for (let i = 0; i < 200 && last.kind === 'deferred'; i++) {
      last = await handleEvent(structuredClone(event), lambdaContext(), s.deps);
    }
    expect(processed(last).enrichment).toBe('complete');
    const [root, ...replies] = s.thread(s.roots()[0]!.ts);
    expect(s.roots()).toHaveLength(1);
    expect(replies).toEqual([]);
    for (const u of ['u1', 'u2', 'u3', 'u4']) expect(blockText(root!)).toContain(`• ${u} `);
    expect(blockText(root!)).not.toContain('still reading');
    expect(s.emails()).toHaveLength(1);
    expect((await s.deps.store.findCurrent(RULE))?.users).toHaveLength(4);
  });

  it('keeps paging when the Incident Updated event cannot be published', async () => {
    const s = await scenario({ deps: { incidentBus: 'no-such-bus' } });
    const result = processed(
      await handleEvent(
        alarmEvent({ id: 'nobus-1', at: T, from: 'OK', to: 'ALARM' }),
        lambdaContext(),
        s.deps,
      ),
    );
    expect(result).toMatchObject({ published: false, slack: ['root'], email: 'sent' });
    expect(s.deps.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'Incident Updated event rejected; the page is unaffected',
        extra: expect.objectContaining({ errorCode: 'ResourceNotFoundException' }),
      }),
    );
  });
});
