import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deadLetterRecord } from '../../functions/notifier/dead-letter';
import { fixture, withValue } from '../../functions/notifier/test-support';
import { startSqsServer, type SqsServer } from '../../local/sqs-server';
import { showCommand, UsageError } from './commands';
import type { InvokeOutcome, NotifierInvoker } from './notifier-invoker';
import { sqsDeadLetterQueue, type DeadLetterQueue } from './queue';
import { describeAnswer, InvokeFailedError, replayAll, replayOne } from './replay';
import { PLACEHOLDER_CREDENTIALS } from '../../local/sdk-client';

const credentials = PLACEHOLDER_CREDENTIALS;
const QUEUE = 'dlq';
let server: SqsServer;
let sqs: SQSClient;
let queue: DeadLetterQueue;

beforeAll(async () => {
  server = await startSqsServer({ queues: [QUEUE] });
  sqs = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  queue = sqsDeadLetterQueue(sqs, server.queueUrl(QUEUE), { waitSeconds: 0 });
});
afterAll(async () => {
  sqs.destroy();
  await server.close();
});
beforeEach(async () => {
  for (const m of await queue.receiveAll(0)) await queue.delete(m);
});

const event = (id: string) => withValue(fixture('alarm-threshold'), ['id'], id);

async function send(body: unknown, attributes: Record<string, string> = {}) {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: server.queueUrl(QUEUE),
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  );
}
const sendNotifierRecord = (e: unknown, reason = 'slack: token secret not found') =>
  send(deadLetterRecord(e, reason, new Date(), 'req-1'), { kind: 'notifier-permanent-failure' });
const sendEventBridge = (e: unknown) =>
  send(e, {
    RULE_ARN: 'arn:aws:events:us-east-1:000000000000:rule/uia--alarms',
    TARGET_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:uia-notifier',
    ERROR_CODE: 'NO_PERMISSIONS',
    ERROR_MESSAGE: 'not authorized',
    RETRY_ATTEMPTS: '0',
  });

/** The Lambda port scripted per event id (the real one runs in test/e2e/dlq-replay.test.ts). */
function scripted(
  answers: Record<string, (event: Record<string, unknown>) => Promise<InvokeOutcome> | InvokeOutcome>,
) {
  const calls: string[] = [];
  const invoker: NotifierInvoker = {
    functionName: 'uia-notifier',
    async invoke(e) {
      calls.push(String(e.id));
      const answer = answers[String(e.id)];
      if (!answer) throw new Error(`unexpected event ${String(e.id)}`);
      return answer(e);
    },
  };
  return { invoker, calls };
}
const processed = (extra = {}): InvokeOutcome => ({
  kind: 'answered',
  answer: { kind: 'processed', change: 'opened', slack: ['root'], email: 'sent', duplicate: false, ...extra },
  payload: {},
});

describe('replay --all', () => {
  it('deletes what the notifier handled, keeps and gives back what failed or cannot be replayed', async () => {
    await sendNotifierRecord(event('e-ok'));
    await sendEventBridge(event('e-fails'));
    await send('not a record');
    const { invoker, calls } = scripted({
      'e-ok': () => processed(),
      'e-fails': () => ({ kind: 'function-error', message: 'RetryableError: email delivery: InternalError' }),
    });
    const outcomes = await replayAll({ queue, notifier: invoker });
    expect(outcomes.map((o) => [o.letter.reason.origin, o.status, o.deleted])).toEqual([
      ['notifier', 'replayed', true],
      ['eventbridge', 'failed', false],
      ['unknown', 'skipped', false],
    ]);
    expect(outcomes[0]!.detail).toBe('opened: slack root sent, email sent');
    expect(outcomes[1]!.detail).toBe('the notifier failed: RetryableError: email delivery: InternalError');
    expect(calls).toEqual(['e-ok', 'e-fails']);
    // Kept ones are visible again at once, not after the 15-minute replay timeout.
    const left = await queue.receiveAll(0);
    expect(left.map((m) => m.body).sort()).toEqual([JSON.stringify(event('e-fails')), 'not a record'].sort());
  });

  it('replays each event once: a second message of the same event is deleted without a second invoke', async () => {
    await sendNotifierRecord(event('e-twice'));
    await sendEventBridge(event('e-twice'));
    const { invoker, calls } = scripted({ 'e-twice': () => processed() });
    const outcomes = await replayAll({ queue, notifier: invoker });
    expect(outcomes.map((o) => o.status)).toEqual(['replayed', 'duplicate']);
    expect(calls).toEqual(['e-twice']);
    expect(server.messages(QUEUE)).toEqual([]);
  });

  it('does not loop on the record the notifier writes when it parks the event again', async () => {
    await sendNotifierRecord(event('e-parked'), 'slack: channel_not_found');
    const { invoker, calls } = scripted({
      'e-parked': async (e) => {
        // What the notifier does: a fresh record with the new reason, then success.
        await sendNotifierRecord(e, 'slack: channel_not_found (again)');
        return {
          kind: 'answered',
          answer: { kind: 'dead-lettered', reason: 'slack: channel_not_found (again)' },
          payload: {},
        };
      },
    });
    const outcomes = await replayAll({ queue, notifier: invoker });
    expect(outcomes.map((o) => [o.status, o.deleted])).toEqual([
      ['parked-again', true],
      ['skipped', false],
    ]);
    expect(outcomes[1]!.detail).toBe('event e-parked was parked-again earlier in this run');
    expect(calls).toEqual(['e-parked']);
    expect(server.messages(QUEUE).map((m) => JSON.parse(m.body).reason)).toEqual([
      'slack: channel_not_found (again)',
    ]);
  });

  it('stops when Lambda cannot be invoked, and gives every message back', async () => {
    await sendNotifierRecord(event('e-1'));
    await sendNotifierRecord(event('e-2'));
    const invoker: NotifierInvoker = {
      functionName: 'uia-notifier',
      invoke: async () => {
        throw Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), {
          name: 'AccessDeniedException',
        });
      },
    };
    await expect(replayAll({ queue, notifier: invoker })).rejects.toThrow(
      new InvokeFailedError(
        'could not invoke uia-notifier: AccessDeniedException: User is not authorized to perform: lambda:InvokeFunction',
      ),
    );
    expect(await queue.receiveAll(0)).toHaveLength(2);
  });

  it('reports a replay whose dead letter could not be deleted, and keeps it for a harmless second replay', async () => {
    await sendNotifierRecord(event('e-undeleted'));
    const [message] = await queue.receiveAll(600);
    server.failNext({ type: 'InternalError', status: 500 }, { when: (c) => c.operation === 'DeleteMessage' });
    const { invoker } = scripted({ 'e-undeleted': () => processed() });
    const outcome = await replayOne(message!, { queue, notifier: invoker });
    expect(outcome).toMatchObject({ status: 'replayed', deleted: false });
    expect(outcome.detail).toMatch(/could not be deleted \(InternalError\): replaying it again is harmless/);
    expect(await queue.receiveAll(0)).toHaveLength(1);
  });
});

describe('describeAnswer', () => {
  it.each([
    [
      { kind: 'processed', change: 'opened', slack: ['root', 'follow-up'], email: 'sent' },
      'opened: slack root sent, slack follow-up sent, email sent',
    ],
    [
      { kind: 'processed', change: 'attached', slack: [], email: 'already-sent', duplicate: true },
      'already handled, nothing sent again',
    ],
    [
      { kind: 'processed', change: 'none', slack: [], email: 'not-planned', duplicate: false },
      'none: nothing to send',
    ],
    [{ kind: 'ignored', reason: 'not our alarm' }, 'ignored by the notifier: not our alarm'],
    [{ kind: 'something-new' }, 'answered something-new'],
  ])('%j → %s', (answer, text) => {
    expect(describeAnswer(answer, answer)).toBe(text);
  });
  it('shows an answer it cannot read as it is', () => {
    expect(describeAnswer(undefined, [1, 2])).toBe('answered [1,2]');
  });
});

describe('an id prefix shared by several dead letters', () => {
  it('is a usage error, and every message read is given back', async () => {
    const released: string[] = [];
    const fake: DeadLetterQueue = {
      url: 'https://sqs/000000000000/dlq',
      name: 'dlq',
      receiveBatch: async () => [],
      receiveAll: async () =>
        ['4f0b1d62-aaaa', '4f0b9e10-bbbb'].map((messageId) => ({
          messageId,
          receiptHandle: `h-${messageId}`,
          body: 'x',
          attributes: {},
          sentAt: undefined,
          receiveCount: 1,
        })),
      delete: async () => undefined,
      release: async (messages) => void released.push(...messages.map((m) => m.messageId)),
      counts: async () => ({ visible: 2, inFlight: 0, retentionSeconds: undefined }),
    };
    const io = { out: () => undefined, err: () => undefined, now: () => new Date() };
    await expect(showCommand(fake, '4f0b', io, false)).rejects.toThrow(
      new UsageError('id "4f0b" matches 2 dead letters (4f0b1d62, 4f0b9e10): give more of it'),
    );
    expect(released).toEqual(['4f0b1d62-aaaa', '4f0b9e10-bbbb']);
  });
});
