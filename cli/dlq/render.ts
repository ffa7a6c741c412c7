/**
 * Text for the terminal (no colours: output is often pasted into tickets and CI logs).
 * Ids are shown as their first 8 characters, which every command accepts (any unique prefix
 * of the SQS message id does).
 */
import { renderTable } from '../table';
import type { QueueCounts } from './queue';
import type { ReplayOutcome } from './replay';
import type { DeadLetter } from './types';

export const SHORT_ID = 8;
const REASON_CHARS = 90;

export function shortId(messageId: string): string {
  return messageId.slice(0, SHORT_ID);
}

/** 45s, 12m, 3h, 2d: how long ago. */
export function age(from: Date | undefined, now: Date): string {
  if (from === undefined) return '?';
  const seconds = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  if (seconds < 90) return `${seconds}s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

const TRIES_UNIT = { invocations: 'invoked', retries: 'retries', deferrals: 'deferred' } as const;

function tries(letter: DeadLetter): string {
  const t = letter.reason.tries;
  return t === undefined ? '-' : `${t.count} ${TRIES_UNIT[t.unit]}`;
}

function clip(text: string, chars: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > chars ? `${line.slice(0, chars - 1)}…` : line;
}

export function renderList(
  queueName: string,
  letters: readonly DeadLetter[],
  counts: QueueCounts | undefined,
  now: Date,
): string {
  const inFlight =
    counts && counts.inFlight > 0
      ? `\n${counts.inFlight} more in flight elsewhere (another reader or a replay under way); they come back when its visibility timeout ends`
      : '';
  if (letters.length === 0) return `${queueName}: no dead letters${inFlight}`;
  const oldest = letters.reduce<Date | undefined>(
    (min, l) => (l.sentAt !== undefined && (min === undefined || l.sentAt < min) ? l.sentAt : min),
    undefined,
  );
  const expiry =
    oldest !== undefined && counts?.retentionSeconds !== undefined
      ? `; SQS deletes the oldest in ${age(now, new Date(oldest.getTime() + counts.retentionSeconds * 1000))}`
      : '';
  const header = `${queueName}: ${letters.length} dead letter${letters.length === 1 ? '' : 's'} (oldest ${age(oldest, now)} ago${expiry})`;
  const table = renderTable(
    ['id', 'age', 'origin', 'condition', 'tries', 'event', 'reason'],
    letters.map((l) => [
      shortId(l.messageId),
      age(l.sentAt, now),
      l.reason.origin,
      l.reason.condition,
      tries(l),
      l.event ? clip(l.event.summary, 60) : `(not replayable)`,
      clip(l.reason.message, REASON_CHARS),
    ]),
  );
  return [
    `${header}${inFlight}`,
    '',
    table,
    '',
    'details: npm run dlq -- show <id>    replay: npm run dlq -- replay <id> | --all',
  ].join('\n');
}

export function renderLetter(letter: DeadLetter, now: Date): string {
  const r = letter.reason;
  const lines = [
    `message    ${letter.messageId}`,
    `arrived    ${letter.sentAt?.toISOString() ?? '?'} (${age(letter.sentAt, now)} ago); SQS receive count ${letter.receiveCount ?? '?'} (every list and show adds one)`,
    `origin     ${r.origin}`,
    `condition  ${r.condition}`,
    `reason     ${r.message}`,
    ...(r.tries ? [`tries      ${tries(letter)}`] : []),
    ...(r.failedAt ? [`failed at  ${r.failedAt.toISOString()}`] : []),
    ...(r.where ? [`where      ${r.where}`] : []),
    letter.event
      ? `event      ${letter.event.id}  ${letter.event.detailType} from ${letter.event.source} at ${letter.event.time}\n           ${letter.event.summary}`
      : `event      not replayable: ${letter.notReplayable ?? '?'}`,
    `replay     ${letter.event ? `npm run dlq -- replay ${shortId(letter.messageId)}` : 'no'}`,
    '',
    'attributes',
    JSON.stringify(letter.raw.attributes, null, 2),
    '',
    'body',
    typeof letter.raw.body === 'string' ? letter.raw.body : JSON.stringify(letter.raw.body, null, 2),
  ];
  return lines.join('\n');
}

const MARK: Record<ReplayOutcome['status'], string> = {
  replayed: '✓',
  duplicate: '✓',
  'parked-again': '✗',
  failed: '✗',
  skipped: '-',
};

export function renderOutcome(outcome: ReplayOutcome): string {
  const what = outcome.letter.event?.summary ?? outcome.letter.reason.condition;
  const fate = outcome.deleted ? 'dead letter deleted' : 'dead letter kept';
  return `${MARK[outcome.status]} ${shortId(outcome.letter.messageId)}  ${outcome.status.padEnd(12)} ${what}: ${outcome.detail} (${fate})`;
}

export function renderReplaySummary(outcomes: readonly ReplayOutcome[]): string {
  if (outcomes.length === 0) return 'no dead letters: nothing to replay';
  const count = (s: ReplayOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const kept = outcomes.filter((o) => !o.deleted).length;
  return (
    `replayed ${count('replayed')} (and ${count('duplicate')} copies of them), parked again ${count('parked-again')}, ` +
    `failed ${count('failed')}, skipped ${count('skipped')}; ${kept} dead letter${kept === 1 ? '' : 's'} left in the queue`
  );
}
