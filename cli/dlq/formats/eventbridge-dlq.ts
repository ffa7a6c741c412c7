/**
 * A message EventBridge puts in a rule target's dead-letter queue when it cannot deliver the
 * event to the target (here: invoke the notifier): the body is the event itself, the reason is
 * in message attributes (EventBridge User Guide, "Using dead-letter queues to process
 * undelivered events"; docs/dead-letters.md lists them).
 *
 * Marker: message attribute `ERROR_CODE` or `RULE_ARN`.
 */
import { z } from 'zod';
import type { DeadLetterReason, QueuedMessage } from '../types';

export const eventBridgeAttributesSchema = z.object({
  RULE_ARN: z.string(),
  TARGET_ARN: z.string(),
  ERROR_CODE: z.string(),
  ERROR_MESSAGE: z.string().optional(),
  /** Present when a retry limit ended delivery: MaximumRetryAttempts or MaximumEventAgeInSeconds. */
  EXHAUSTED_RETRY_CONDITION: z.string().optional(),
  RETRY_ATTEMPTS: z.string().regex(/^\d+$/).optional(),
});

export type EventBridgeAttributes = z.output<typeof eventBridgeAttributesSchema>;

export function isEventBridgeMessage(message: QueuedMessage): boolean {
  return 'ERROR_CODE' in message.attributes || 'RULE_ARN' in message.attributes;
}

export function eventBridgeReason(attributes: EventBridgeAttributes): DeadLetterReason {
  const exhausted = attributes.EXHAUSTED_RETRY_CONDITION;
  const message = [attributes.ERROR_MESSAGE, exhausted === undefined ? undefined : `(${exhausted})`]
    .filter((part) => part !== undefined && part !== '')
    .join(' ');
  return {
    origin: 'eventbridge',
    condition: attributes.ERROR_CODE,
    message: message === '' ? attributes.ERROR_CODE : message,
    tries:
      attributes.RETRY_ATTEMPTS === undefined
        ? undefined
        : { count: Number(attributes.RETRY_ATTEMPTS), unit: 'retries' },
    failedAt: undefined,
    where: `${attributes.RULE_ARN} → ${attributes.TARGET_ARN}`,
  };
}
