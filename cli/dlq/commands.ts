/**
 * The four commands, each reading what it needs and giving back what it does not delete:
 *
 * | command             | reads                 | changes                                  | exit 0 when              |
 * |---------------------|-----------------------|------------------------------------------|--------------------------|
 * | `list`              | every visible message | nothing (all given back)                 | the queue could be read  |
 * | `show <id>`         | every visible message | nothing                                  | the message was found    |
 * | `replay <id>`       | every visible message | that one deleted once the notifier       | it was replayed          |
 * |                     |                       | handled it                               |                          |
 * | `replay --all`      | batches of ten        | each handled one deleted                 | none is left             |
 * | `delete <id>`       | every visible message | that one deleted, not replayed           | it was deleted           |
 *
 * Exit 1 when AWS refused or a replay left something in the queue; exit 2 for bad usage
 * (including an id prefix that matches more than one message).
 */
import type { DeadLetterQueue } from './queue';
import { readDeadLetter } from './read-dead-letter';
import { renderLetter, renderList, renderOutcome, renderReplaySummary, shortId } from './render';
import { REPLAY_HIDE_SECONDS, replayAll, replayOne, type ReplayOutcome } from './replay';
import type { NotifierInvoker } from './notifier-invoker';
import type { DeadLetter, QueuedMessage } from './types';

/** Hidden while `list` / `show` read, then given back at once. */
export const PEEK_HIDE_SECONDS = 30;
export const MIN_ID_CHARS = 4;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  now(): Date;
}

/** Bad usage found only once the queue was read (an ambiguous id): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export async function listCommand(queue: DeadLetterQueue, io: Io, json: boolean): Promise<number> {
  // Counted before reading: once read, our own messages are in flight too.
  const counts = await queue.counts().catch(() => undefined);
  const messages = await queue.receiveAll(PEEK_HIDE_SECONDS);
  try {
    const letters = messages.map(readDeadLetter);
    io.out(json ? JSON.stringify(letters, null, 2) : renderList(queue.name, letters, counts, io.now()));
    return 0;
  } finally {
    await queue.release(messages);
  }
}

export async function showCommand(
  queue: DeadLetterQueue,
  id: string,
  io: Io,
  json: boolean,
): Promise<number> {
  const messages = await queue.receiveAll(PEEK_HIDE_SECONDS);
  try {
    const message = find(messages, id, queue, io);
    if (!message) return 1;
    const letter = readDeadLetter(message);
    io.out(json ? JSON.stringify(letter, null, 2) : renderLetter(letter, io.now()));
    return 0;
  } finally {
    await queue.release(messages);
  }
}

export async function deleteCommand(queue: DeadLetterQueue, id: string, io: Io): Promise<number> {
  const messages = await queue.receiveAll(PEEK_HIDE_SECONDS);
  let target: QueuedMessage | undefined;
  try {
    target = find(messages, id, queue, io);
    if (!target) return 1;
    await queue.delete(target);
    const letter = readDeadLetter(target);
    io.out(`deleted ${target.messageId} (${describe(letter)}) without replaying it`);
    return 0;
  } finally {
    await queue.release(messages.filter((m) => m !== target));
  }
}

export interface ReplayOptions {
  id: string | undefined;
  dryRun: boolean;
}

export async function replayCommand(
  queue: DeadLetterQueue,
  notifier: () => Promise<NotifierInvoker>,
  options: ReplayOptions,
  io: Io,
): Promise<number> {
  if (options.dryRun) return dryRun(queue, options.id, io);
  const invoker = await notifier();
  const report = (outcome: ReplayOutcome) => io.out(renderOutcome(outcome));
  let outcomes: ReplayOutcome[];
  if (options.id === undefined) {
    io.out(`replaying every dead letter in ${queue.name} through ${invoker.functionName}`);
    outcomes = await replayAll({ queue, notifier: invoker, report });
  } else {
    const messages = await queue.receiveAll(REPLAY_HIDE_SECONDS);
    let target: QueuedMessage | undefined;
    try {
      target = find(messages, options.id, queue, io);
    } finally {
      await queue.release(messages.filter((m) => m !== target));
    }
    if (!target) return 1;
    outcomes = [await replayOne(target, { queue, notifier: invoker, report })];
  }
  io.out(renderReplaySummary(outcomes));
  return outcomes.every((o) => o.deleted && (o.status === 'replayed' || o.status === 'duplicate')) ? 0 : 1;
}

async function dryRun(queue: DeadLetterQueue, id: string | undefined, io: Io): Promise<number> {
  const messages = await queue.receiveAll(PEEK_HIDE_SECONDS);
  try {
    const chosen =
      id === undefined ? messages : [find(messages, id, queue, io)].filter((m) => m !== undefined);
    if (id !== undefined && chosen.length === 0) return 1;
    const letters = chosen.map(readDeadLetter);
    for (const l of letters) {
      io.out(`${l.event ? 'would replay' : 'would skip  '} ${shortId(l.messageId)}  ${describe(l)}`);
    }
    io.out(
      `dry run: ${letters.filter((l) => l.event).length} of ${letters.length} replayable, nothing sent or deleted`,
    );
    return 0;
  } finally {
    await queue.release(messages);
  }
}

function describe(letter: DeadLetter): string {
  return letter.event
    ? `${letter.event.summary}, event ${letter.event.id}`
    : `${letter.reason.condition}: ${letter.notReplayable ?? ''}`;
}

/** The messages whose id starts with `id` (pure, so its cases are tested alone). */
export function matchId<M extends { messageId: string }>(messages: readonly M[], id: string): M[] {
  return messages.filter((m) => m.messageId.startsWith(id));
}

/** The message whose id starts with `id`; prints why when there is none (ambiguous: UsageError). */
function find(
  messages: readonly QueuedMessage[],
  id: string,
  queue: DeadLetterQueue,
  io: Io,
): QueuedMessage | undefined {
  const matches = matchId(messages, id);
  if (matches.length > 1) {
    throw new UsageError(
      `id "${id}" matches ${matches.length} dead letters (${matches.map((m) => shortId(m.messageId)).join(', ')}): give more of it`,
    );
  }
  if (matches.length === 0) {
    io.err(
      `✗ no dead letter with id ${id} in ${queue.name} (${messages.length} there now: npm run dlq -- list); ` +
        'it may have been replayed or deleted, or be in flight with another reader',
    );
  }
  return matches[0];
}
