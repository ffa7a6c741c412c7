/**
 * Replaying dead letters: each original event goes to the notifier again (notifier-invoker.ts),
 * one at a time, and its dead letter is deleted only once the notifier has handled it.
 *
 * | what happened                                          | status         | the dead letter          |
 * |--------------------------------------------------------|----------------|--------------------------|
 * | the notifier handled it (paged, found it done, ignored)| `replayed`     | deleted                  |
 * | the notifier parked it again (new record, new reason)  | `parked-again` | deleted: the new one     |
 * |                                                        |                | replaces it              |
 * | the notifier threw (a retryable failure, a timeout)    | `failed`       | kept                     |
 * | no whole original event (unknown format, truncated…)   | `skipped`      | kept                     |
 * | its event was handled earlier in this run              | `duplicate`    | deleted, no second invoke|
 * | its event was parked or failed earlier in this run     | `skipped`      | kept (it is that record) |
 * | the Invoke call itself failed (permissions, network)   | stops the run  | kept                     |
 *
 * "Kept" messages are given back to the queue at the end, visible again. `--all` reads in
 * batches of ten and never replays a message twice in one run, so a record the notifier
 * writes while we replay is reported, not replayed in a loop.
 */
import { readDeadLetter } from './read-dead-letter';
import type { InvokeOutcome, NotifierAnswer, NotifierInvoker } from './notifier-invoker';
import type { DeadLetterQueue } from './queue';
import type { DeadLetter, QueuedMessage } from './types';

/**
 * Hidden this long while a batch replays: ten invocations of a function with a one-minute
 * timeout fit with room to spare. SQS gives them back by itself if the CLI dies.
 */
export const REPLAY_HIDE_SECONDS = 15 * 60;

export type ReplayStatus = 'replayed' | 'parked-again' | 'failed' | 'skipped' | 'duplicate';

export interface ReplayOutcome {
  letter: DeadLetter;
  status: ReplayStatus;
  /** What the notifier did, or why nothing was sent. */
  detail: string;
  deleted: boolean;
}

export interface ReplayDeps {
  queue: DeadLetterQueue;
  notifier: NotifierInvoker;
  /** Called as each outcome is known (the CLI prints as it goes). */
  report?: (outcome: ReplayOutcome) => void;
}

/** The Invoke call failed: nothing was replayed for this message, and the run stops. */
export class InvokeFailedError extends Error {
  override readonly name = 'InvokeFailedError';
}

/** Event id → how it ended earlier in this run. */
type Handled = Map<string, ReplayStatus>;

export async function replayMessage(
  message: QueuedMessage,
  deps: ReplayDeps,
  handled: Handled = new Map(),
): Promise<ReplayOutcome> {
  const letter = readDeadLetter(message);
  const outcome = await decide(letter, message, deps, handled);
  if (letter.event && outcome.status !== 'skipped') handled.set(letter.event.id, outcome.status);
  deps.report?.(outcome);
  return outcome;
}

async function decide(
  letter: DeadLetter,
  message: QueuedMessage,
  deps: ReplayDeps,
  handled: Handled,
): Promise<ReplayOutcome> {
  const event = letter.event;
  if (!event)
    return { letter, status: 'skipped', detail: letter.notReplayable ?? 'not replayable', deleted: false };
  const earlier = handled.get(event.id);
  if (earlier === 'replayed' || earlier === 'duplicate') {
    return deleted(letter, message, deps, 'duplicate', `event ${event.id} was replayed a moment ago`);
  }
  if (earlier !== undefined) {
    return {
      letter,
      status: 'skipped',
      detail: `event ${event.id} was ${earlier} earlier in this run`,
      deleted: false,
    };
  }
  let result: InvokeOutcome;
  try {
    result = await deps.notifier.invoke(event.value);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new InvokeFailedError(`could not invoke ${deps.notifier.functionName}: ${reason}`, {
      cause: error,
    });
  }
  if (result.kind === 'function-error') {
    return { letter, status: 'failed', detail: `the notifier failed: ${result.message}`, deleted: false };
  }
  if (result.answer?.kind === 'dead-lettered') {
    return deleted(
      letter,
      message,
      deps,
      'parked-again',
      `parked again: ${result.answer.reason ?? 'no reason'}`,
    );
  }
  return deleted(letter, message, deps, 'replayed', describeAnswer(result.answer, result.payload));
}

async function deleted(
  letter: DeadLetter,
  message: QueuedMessage,
  deps: ReplayDeps,
  status: ReplayStatus,
  detail: string,
): Promise<ReplayOutcome> {
  try {
    await deps.queue.delete(message);
    return { letter, status, detail, deleted: true };
  } catch (error) {
    const reason = error instanceof Error ? error.name : String(error);
    return {
      letter,
      status,
      detail: `${detail}; the dead letter could not be deleted (${reason}): replaying it again is harmless`,
      deleted: false,
    };
  }
}

/** "opened: slack root sent, email sent", "already handled: nothing sent again", "ignored: …". */
export function describeAnswer(answer: NotifierAnswer | undefined, payload: unknown): string {
  if (answer === undefined) return `answered ${JSON.stringify(payload) ?? 'nothing'}`;
  if (answer.kind === 'ignored') return `ignored by the notifier: ${answer.reason ?? 'no reason given'}`;
  if (answer.kind !== 'processed') return `answered ${answer.kind}`;
  const sent = [
    ...(answer.slack ?? []).map((s) => `slack ${s} sent`),
    ...(answer.email === 'sent' ? ['email sent'] : []),
  ];
  const change = answer.change ?? 'processed';
  if (sent.length > 0) return `${change}: ${sent.join(', ')}`;
  return answer.duplicate ? 'already handled, nothing sent again' : `${change}: nothing to send`;
}

export async function replayOne(message: QueuedMessage, deps: ReplayDeps): Promise<ReplayOutcome> {
  try {
    const outcome = await replayMessage(message, deps);
    if (!outcome.deleted) await deps.queue.release([message]);
    return outcome;
  } catch (error) {
    await deps.queue.release([message]).catch(() => undefined);
    throw error;
  }
}

export async function replayAll(deps: ReplayDeps): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  const kept = new Map<string, QueuedMessage>();
  const done = new Set<string>();
  const handled: Handled = new Map();
  try {
    for (;;) {
      const batch = await deps.queue.receiveBatch(REPLAY_HIDE_SECONDS);
      // A kept message seen again (its timeout ended) keeps its newest handle for the release.
      for (const m of batch) if (kept.has(m.messageId)) kept.set(m.messageId, m);
      const fresh = batch.filter((m) => !kept.has(m.messageId) && !done.has(m.messageId));
      if (fresh.length === 0) break;
      // Kept until handled, so a stop part-way gives the rest of the batch back too.
      for (const m of fresh) kept.set(m.messageId, m);
      for (const message of fresh) {
        const outcome = await replayMessage(message, deps, handled);
        outcomes.push(outcome);
        if (outcome.deleted) {
          kept.delete(message.messageId);
          done.add(message.messageId);
        }
      }
    }
  } finally {
    await deps.queue.release([...kept.values()]).catch(() => undefined);
  }
  return outcomes;
}
