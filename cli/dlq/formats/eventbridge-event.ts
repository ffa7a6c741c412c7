/**
 * The original event a dead letter carries, checked before anything is replayed: an
 * EventBridge event with the envelope fields AWS always sends (EventBridge User Guide, "Amazon
 * EventBridge events"). Replay needs `id` above all: the notifier deduplicates on the event
 * id (and channel), so an event without one could not be replayed idempotently.
 * Unknown keys are kept (`loose`): the notifier must receive the event exactly as it was.
 */
import { z } from 'zod';
import type { OriginalEvent } from '../types';

export const originalEventSchema = z.looseObject({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});

export type OriginalEventInput = z.output<typeof originalEventSchema>;

/** The event, or the first reason it is not one. */
export function readOriginalEvent(value: unknown): OriginalEvent | { problem: string } {
  const parsed = originalEventSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    return {
      problem: `not an EventBridge event (${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'})`,
    };
  }
  const event = parsed.data;
  return {
    id: event.id,
    source: event.source,
    detailType: event['detail-type'],
    time: event.time,
    summary: summarise(event),
    value: event,
  };
}

/** "alarm X → ALARM", "Insight on group G: ACTIVE", "test alert for rule R: firing", else the detail-type. */
function summarise(event: OriginalEventInput): string {
  const d = event.detail;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const state = d.state;
  const stateValue =
    typeof state === 'object' && state !== null && 'value' in state ? text(state.value) : text(state);
  if (text(d.alarmName)) return `alarm ${text(d.alarmName)} → ${stateValue ?? '?'}`;
  if (text(d.GroupName)) return `Insight on group ${text(d.GroupName)}: ${text(d.State) ?? '?'}`;
  if (text(d.ruleId)) return `${event['detail-type']} for rule ${text(d.ruleId)}: ${stateValue ?? '?'}`;
  return event['detail-type'];
}
