/**
 * The fourth kind of dead letter: a deferred event the notifier kept failing, moved by SQS's
 * redrive from the deferral queue to the dead-letter queue. Written by the notifier's own
 * `deferEvent`, moved by the SQS stand-in's redrive policy, then listed, shown, replayed and
 * deleted like the other three.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deferEvent, DEFERRED_KIND, type DeferredEvent } from '../../functions/notifier/defer';
import { fixture, withValue } from '../../functions/notifier/test-support';
import { localClientConfig } from '../../local/sdk-client';
import { startSqsServer, type SqsServer } from '../../local/sqs-server';
import { deleteCommand, listCommand, replayCommand, showCommand } from './commands';
import type { InvokeOutcome, NotifierInvoker } from './notifier-invoker';
import { sqsDeadLetterQueue, type DeadLetterQueue } from './queue';

const DLQ = 'notifier-dlq';
const DEFERRED = 'notifier-deferred';
/** infra/constructs/notifier.ts: DEFERRAL_MAX_RECEIVES. */
const MAX_RECEIVES = 5;
let server: SqsServer;
let sqs: SQSClient;
let queue: DeadLetterQueue;
let nowMs = Date.parse('2026-03-02T10:00:00Z');

beforeAll(async () => {
  server = await startSqsServer({
    now: () => nowMs,
    queues: [
      DLQ,
      {
        name: DEFERRED,
        visibilityTimeoutSeconds: 30,
        deadLetter: { queue: DLQ, maxReceiveCount: MAX_RECEIVES },
      },
    ],
  });
  sqs = new SQSClient(localClientConfig(server.url));
  queue = sqsDeadLetterQueue(sqs, server.queueUrl(DLQ), { waitSeconds: 0 });
});
afterAll(async () => {
  sqs.destroy();
  await server.close();
});
beforeEach(async () => {
  for (const m of await queue.receiveAll(0)) await queue.delete(m);
});

const event = (id: string) => withValue(fixture('alarm-threshold'), ['id'], id);

/** Deferred by the notifier, then failed on every receive until SQS redrives it. */
async function deferredThenRedriven(id: string): Promise<DeferredEvent> {
  const record: DeferredEvent = {
    kind: DEFERRED_KIND,
    event: event(id),
    attempt: 2,
    firstDeferredAt: new Date(nowMs).toISOString(),
    reason: 'slack: ratelimited, retry after 60 s',
  };
  await deferEvent(sqs, server.queueUrl(DEFERRED), record, 1);
  for (let receive = 0; receive <= MAX_RECEIVES; receive++) {
    nowMs += 31_000; // past the delay, then past each visibility timeout
    server.receiveDue(DEFERRED);
  }
  return record;
}

function io() {
  const out: string[] = [];
  return {
    out: (text: string) => void out.push(text),
    err: () => undefined,
    now: () => new Date(nowMs),
    lines: out,
  };
}

function scripted(answer: () => InvokeOutcome) {
  const calls: string[] = [];
  const invoker: NotifierInvoker = {
    functionName: 'uia-notifier',
    invoke: async (e) => {
      calls.push(String(e.id));
      return answer();
    },
  };
  return { invoker, calls };
}

describe('a deferred event SQS moved to the dead-letter queue', () => {
  it('arrives there whole after the redrive, with its kind attribute', async () => {
    await deferredThenRedriven('d-arrives');
    expect(server.messages(DEFERRED)).toEqual([]);
    const [moved] = server.messages(DLQ);
    expect(moved?.attributes.kind).toBe(DEFERRED_KIND);
    expect(JSON.parse(moved!.body).event.id).toBe('d-arrives');
  });

  it('is listed and shown with its origin, condition, receives and event', async () => {
    await deferredThenRedriven('d-listed');
    const listed = io();
    expect(await listCommand(queue, listed, false)).toBe(0);
    const text = listed.lines.join('\n');
    expect(text).toMatch(/deferral\s+MaxReceiveCountExceeded\s+2 deferred/);
    expect(text).toMatch(/alarm uia--registered-user-faults--trace-count → ALARM|alarm .* → ALARM/);

    const [message] = server.messages(DLQ);
    const shown = io();
    expect(await showCommand(queue, message!.messageId.slice(0, 8), shown, false)).toBe(0);
    expect(shown.lines.join('\n')).toMatch(/deferred since .*slack: ratelimited, retry after 60 s/);

    const json = io();
    await listCommand(queue, json, true);
    const [letter] = JSON.parse(json.lines.join('')) as Array<{
      reason: { origin: string };
      event: { id: string };
    }>;
    expect(letter).toMatchObject({ reason: { origin: 'deferral' }, event: { id: 'd-listed' } });
  });

  it('replays once: the event goes to the notifier, the dead letter is deleted, a second replay does nothing', async () => {
    await deferredThenRedriven('d-replayed');
    const { invoker, calls } = scripted(() => ({
      kind: 'answered',
      answer: { kind: 'processed', change: 'opened', slack: ['root'], email: 'sent', duplicate: false },
      payload: {},
    }));
    const first = io();
    expect(await replayCommand(queue, async () => invoker, { id: undefined, dryRun: false }, first)).toBe(0);
    expect(calls).toEqual(['d-replayed']);
    expect(first.lines.join('\n')).toMatch(/slack root sent, email sent/);
    expect(server.messages(DLQ)).toEqual([]);

    const second = io();
    expect(await replayCommand(queue, async () => invoker, { id: undefined, dryRun: false }, second)).toBe(0);
    expect(calls).toEqual(['d-replayed']);
  });

  it('is deleted without replay when told', async () => {
    await deferredThenRedriven('d-deleted');
    const [message] = server.messages(DLQ);
    const deleted = io();
    expect(await deleteCommand(queue, message!.messageId, deleted)).toBe(0);
    expect(deleted.lines.join('\n')).toMatch(/without replaying it/);
    expect(server.messages(DLQ)).toEqual([]);
  });
});
