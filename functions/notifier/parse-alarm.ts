/**
 * `CloudWatch Alarm State Change` (source `aws.cloudwatch`) → Alert. Shape: AWS's documented
 * samples (docs/aws-events.md §2); see alert.ts for the state mapping.
 */
import { z } from 'zod';
import { alarmNameFromArn, ruleIdFromAlarmName } from '../../rules/names';
import { alarmConsoleUrl, tracesQueryConsoleUrl } from '../../templates/urls';
import type { AlarmStateValue, AlertState, ParseResult } from './alert';
import { isoInstant, parseOrThrow, type Envelope } from './event-schema';
import type { NotifierLogger, ParseContext } from './ports';
import { parseIsoInstant } from './time';

const stateValueSchema = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

const alarmStateSchema = z.object({
  value: stateValueSchema,
  reason: z.string(),
  /** A JSON-encoded string; absent e.g. on "Unchecked: Initial alarm creation". */
  reasonData: z.string().optional(),
  timestamp: isoInstant,
});

const alarmDetailSchema = z.object({
  alarmName: z.string().min(1),
  state: alarmStateSchema,
  // AWS always sends it, but nothing here needs it badly enough to drop a page without it.
  previousState: alarmStateSchema.optional(),
  configuration: z.object({ description: z.string().optional() }).optional(),
});

const alarmNameSchema = z.object({ alarmName: z.string().min(1) });

export function parseAlarm(envelope: Envelope, ctx: ParseContext): ParseResult {
  // Ownership first: a foreign alarm with an odd shape is still just someone else's alarm.
  const { alarmName } = parseOrThrow(alarmNameSchema, envelope.detail, 'alarm event detail');
  const ruleId = ruleIdFromAlarmName(ctx.namePrefix, alarmName);
  if (ruleId === undefined) {
    const reason = `alarm "${alarmName}" is not one of ours (prefix "${ctx.namePrefix}")`;
    ctx.logger.info('ignoring event', { reason, eventId: envelope.id });
    return { kind: 'ignored', reason };
  }

  const detail = parseOrThrow(alarmDetailSchema, envelope.detail, 'alarm event detail');
  const current = detail.state;
  const previous = detail.previousState;
  const state = alarmTransition(previous?.value, current.value);
  const reasonData = decodeReasonData(current.reasonData, ctx.logger, envelope.id);

  const leavingAlarm = previous?.value === 'ALARM' && current.value !== 'ALARM';
  const enteredAlarmAt =
    current.value === 'ALARM'
      ? previous?.value === 'ALARM'
        ? previous.timestamp
        : current.timestamp
      : undefined;
  const start = leavingAlarm
    ? previous.timestamp
    : current.value === 'ALARM'
      ? earliest(firstDatapointStart(reasonData), enteredAlarmAt ?? current.timestamp)
      : current.timestamp;

  return {
    kind: 'alert',
    alert: {
      kind: 'alarm',
      ruleId,
      state,
      eventId: envelope.id,
      region: envelope.region,
      account: envelope.account,
      eventTime: envelope.time,
      changedAt: current.timestamp,
      window: { start, end: current.value === 'ALARM' ? undefined : current.timestamp },
      title: detail.configuration?.description?.trim() || alarmName,
      reason: current.reason,
      reasonData,
      impact: undefined,
      rootCauseService: undefined,
      topAnomalousServices: [],
      links: {
        alarm: alarmConsoleUrl(envelope.region, alarmName),
        traces: tracesQueryConsoleUrl(envelope.region),
      },
      alarm: {
        alarmName,
        alarmArn: envelope.resources.find((arn) => alarmNameFromArn(arn) === alarmName),
        previousValue: previous?.value ?? 'INSUFFICIENT_DATA',
        previousChangedAt: previous?.timestamp,
        value: current.value,
        enteredAlarmAt: leavingAlarm ? previous.timestamp : enteredAlarmAt,
        description: detail.configuration?.description,
      },
    },
  };
}

/** The table in alert.ts. A missing previous state reads as "unknown", i.e. INSUFFICIENT_DATA. */
export function alarmTransition(previous: AlarmStateValue | undefined, current: AlarmStateValue): AlertState {
  switch (current) {
    case 'ALARM':
      return previous === 'ALARM' ? 'updated' : 'firing';
    case 'OK':
      return 'resolved';
    case 'INSUFFICIENT_DATA':
      return 'insufficient_data';
  }
}

/**
 * reasonData is decoration: its keys vary by alarm type (threshold, metric math, anomaly
 * detection) and a page is worth more than a perfect parse, so bad JSON is logged, not fatal.
 */
function decodeReasonData(
  raw: string | undefined,
  logger: NotifierLogger,
  eventId: string,
): Record<string, unknown> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through to the warning
  }
  logger.warn('alarm reasonData is not a JSON object; ignoring it', { eventId, length: raw.length });
  return undefined;
}

/** `startDate` in reasonData is the start of the earliest datapoint the alarm evaluated. */
function firstDatapointStart(reasonData: Record<string, unknown> | undefined): Date | undefined {
  const startDate = reasonData?.['startDate'];
  return typeof startDate === 'string' ? parseIsoInstant(startDate) : undefined;
}

function earliest(a: Date | undefined, b: Date): Date {
  return a !== undefined && a.getTime() < b.getTime() ? a : b;
}
