/**
 * One SQS message → the normalised dead letter (types.ts). Four writers share the notifier's
 * queue (the notifier, Lambda, EventBridge, and SQS's redrive from the deferral queue); each record is validated at this edge with its own zod schema (formats/), and
 * anything that fails is still shown, as `unknown` with what was wrong: never dropped.
 *
 * | marker (first that matches)                              | format              | original event         |
 * |----------------------------------------------------------|---------------------|------------------------|
 * | attribute or body `kind` = `notifier-deferred-event`     | deferred event      | `event`                |
 * | attribute or body `kind` starting `notifier-`            | notifier record     | `event` (unless cut)   |
 * | attribute `ERROR_CODE` or `RULE_ARN`                     | EventBridge DLQ     | the body               |
 * | JSON body with `requestContext.condition`                | Lambda on-failure   | `requestPayload`       |
 * | none, or a marker whose schema fails, or a body not JSON | unknown             | none (not replayable)  |
 *
 * A readable record still needs a whole EventBridge event (formats/eventbridge-event.ts) to
 * be replayable; otherwise `notReplayable` says why.
 */
import type { z } from 'zod';
import { describeZodError } from '../../functions/notifier/event-schema';
import {
  eventBridgeAttributesSchema,
  eventBridgeReason,
  isEventBridgeMessage,
} from './formats/eventbridge-dlq';
import { readOriginalEvent } from './formats/eventbridge-event';
import {
  deferredEvent,
  deferredReason,
  deferredRecordSchema,
  isDeferredRecord,
} from './formats/deferred-event';
import { isLambdaRecord, lambdaEvent, lambdaReason, lambdaRecordSchema } from './formats/lambda-record';
import {
  isNotifierRecord,
  notifierEvent,
  notifierReason,
  notifierRecordSchema,
} from './formats/notifier-record';
import type { DeadLetter, DeadLetterReason, QueuedMessage } from './types';

/** How much of an unreadable body `list` and the reason show. */
const BODY_PREVIEW_CHARS = 160;

type Reading = { reason: DeadLetterReason; original: { event: unknown } | { problem: string } };

export function readDeadLetter(message: QueuedMessage): DeadLetter {
  const body = parseJson(message.body);
  const reading = readFormat(message, body);
  const event = 'event' in reading.original ? readOriginalEvent(reading.original.event) : undefined;
  const replayable = event !== undefined && !('problem' in event) ? event : undefined;
  return {
    messageId: message.messageId,
    sentAt: message.sentAt,
    receiveCount: message.receiveCount,
    reason: reading.reason,
    event: replayable,
    notReplayable:
      replayable !== undefined
        ? undefined
        : 'problem' in reading.original
          ? reading.original.problem
          : event !== undefined && 'problem' in event
            ? event.problem
            : 'no original event',
    raw: { body: body.ok ? body.value : message.body, attributes: message.attributes },
  };
}

function readFormat(message: QueuedMessage, body: Json): Reading {
  const value = body.ok ? body.value : undefined;
  if (isDeferredRecord(message, value)) {
    const record = parse(deferredRecordSchema, value, 'deferred event');
    if ('problem' in record) return unknownFormat(message, record.problem);
    return { reason: deferredReason(record.value), original: deferredEvent(record.value) };
  }
  if (isNotifierRecord(message, value)) {
    const record = parse(notifierRecordSchema, value, 'notifier record');
    if ('problem' in record) return unknownFormat(message, record.problem);
    return { reason: notifierReason(record.value), original: notifierEvent(record.value) };
  }
  if (isEventBridgeMessage(message)) {
    const attributes = parse(eventBridgeAttributesSchema, message.attributes, 'EventBridge attributes');
    if ('problem' in attributes) return unknownFormat(message, attributes.problem);
    return {
      reason: eventBridgeReason(attributes.value),
      original: body.ok ? { event: body.value } : { problem: 'the body is not JSON, so not an event' },
    };
  }
  if (isLambdaRecord(value)) {
    const record = parse(lambdaRecordSchema, value, 'Lambda invocation record');
    if ('problem' in record) return unknownFormat(message, record.problem);
    return { reason: lambdaReason(record.value), original: lambdaEvent(record.value) };
  }
  return unknownFormat(message, 'not a record this tool knows');
}

function unknownFormat(message: QueuedMessage, why: string): Reading {
  const preview =
    message.body.length > BODY_PREVIEW_CHARS ? `${message.body.slice(0, BODY_PREVIEW_CHARS)}…` : message.body;
  return {
    reason: {
      origin: 'unknown',
      condition: 'UnknownFormat',
      message: `${why}: ${JSON.stringify(preview)}`,
      tries: undefined,
      failedAt: undefined,
      where: undefined,
    },
    original: { problem: 'unknown format: replay it by hand once you know what it is' },
  };
}

function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): { value: z.output<S> } | { problem: string } {
  const result = schema.safeParse(value);
  return result.success ? { value: result.data } : { problem: describeZodError(what, result.error) };
}

type Json = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): Json {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
