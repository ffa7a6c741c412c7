/**
 * Entry of the pipeline: an EventBridge event, exactly as delivered, → Alert | ignored.
 * Dispatches on (source, detail-type); anything else is not ours and is ignored with a log line
 * (the EventBridge patterns should already keep it away, so seeing one is worth a line). So is
 * an event from an account that is not ours: EventBridge sets `account` to the account the event
 * came from, so a forwarded or misrouted event of another account's alarm of the same name (or a
 * test alert someone elsewhere put on a bus that forwards here) never pages this deployment.
 */
import { ALARM_EVENT, INSIGHT_EVENT, projectEventSource, TEST_ALERT_DETAIL_TYPE } from '../../rules/names';
import type { ParseResult } from './alert';
import { accountKeySchema, envelopeSchema, parseOrThrow, routingKeysSchema } from './event-schema';
import { PermanentError } from './errors';
import { parseAlarm } from './parse-alarm';
import { parseInsight } from './parse-insight';
import { parseTestAlert } from './parse-test-alert';
import type { ParseContext } from './ports';

type Kind = 'alarm' | 'insight' | 'test';

export function parseEvent(event: unknown, ctx: ParseContext): ParseResult {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new PermanentError(`event: expected an EventBridge event object, got ${describe(event)}`);
  }
  const keys = parseOrThrow(routingKeysSchema, event, 'event');
  const kind = kindOf(keys.source, keys['detail-type'], ctx.namePrefix);
  if (kind === undefined) {
    const reason = `event source "${keys.source}" / detail-type "${keys['detail-type']}" is not one the notifier handles`;
    ctx.logger.info('ignoring event', { reason });
    return { kind: 'ignored', reason };
  }
  const { account } = parseOrThrow(accountKeySchema, event, 'event');
  if (!ctx.accounts.includes(account)) {
    const reason =
      `event from account ${account} is not from an account of this deployment (${ctx.accounts.join(', ')}); ` +
      'list cross-account sources in rules/accounts.ts';
    ctx.logger.info('ignoring event', { reason, eventId: (event as { id?: unknown }).id });
    return { kind: 'ignored', reason };
  }
  const envelope = parseOrThrow(envelopeSchema, event, 'event');
  switch (kind) {
    case 'alarm':
      return parseAlarm(envelope, ctx);
    case 'insight':
      return parseInsight(envelope, ctx);
    case 'test':
      return parseTestAlert(envelope);
  }
}

function kindOf(source: string, detailType: string, namePrefix: string): Kind | undefined {
  if (source === ALARM_EVENT.source && detailType === ALARM_EVENT.detailType) return 'alarm';
  if (source === INSIGHT_EVENT.source && detailType === INSIGHT_EVENT.detailType) return 'insight';
  if (source === projectEventSource(namePrefix) && detailType === TEST_ALERT_DETAIL_TYPE) return 'test';
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
