/**
 * `AWS X-Ray Insight Update` (source `aws.xray`) → Alert. AWS publishes no full sample; the
 * shape follows the EventBridge schema (aws.xray@AWSXRayInsightUpdate, see
 * docs/aws-events.md §1): `GroupName` but no `GroupARN` (accepted if it ever
 * appears), `Event` is an object, `StartTime` a number of unknown unit, `EndTime` null while
 * ACTIVE. Insight notifications are best effort, so missing optional parts never drop a page.
 */
import { z } from 'zod';
import { groupNameFromArn, ruleIdFromGroupName } from '../../rules/names';
import { insightConsoleUrl, tracesQueryConsoleUrl } from '../../templates/urls';
import type { AlertState, ParseResult, RequestImpact, ServiceRef } from './alert';
import { flexibleInstant, parseOrThrow, type Envelope } from './event-schema';
import { PermanentError } from './errors';
import type { ParseContext } from './ports';

/**
 * An ACTIVE event whose `Event.EventTime` is within this of `StartTime` is the insight's first
 * (a new incident); later ones are updates. Inferred from the API's InsightEvent semantics, not
 * from a real payload; the incident decision (functions/shared/incidents/decide.ts) overrides it
 * either way.
 */
export const FIRST_EVENT_TOLERANCE_MS = 60_000;

const count = z.number().finite().nonnegative().default(0);
const impactSchema = z.object({ FaultCount: count, OkCount: count, TotalCount: count });

const serviceIdSchema = z.object({
  Name: z.string().optional(),
  Names: z.array(z.unknown()).optional(),
  AccountId: z.string().optional(),
  Type: z.string().optional(),
});

const anomalousServiceSchema = z.object({ ServiceId: serviceIdSchema.optional() });

const insightDetailSchema = z.object({
  InsightId: z.string().min(1),
  GroupName: z.string().min(1).optional(),
  GroupARN: z.string().min(1).optional(),
  State: z.enum(['ACTIVE', 'CLOSED']),
  Categories: z.array(z.string()).default([]),
  Summary: z.string().default(''),
  StartTime: flexibleInstant,
  EndTime: flexibleInstant.nullish(),
  RootCauseServiceId: serviceIdSchema.nullish(),
  // Optional figures: read apart (optionalImpact), so an invalid one is dropped, never the page.
  RootCauseServiceRequestImpactStatistics: z.unknown(),
  ClientRequestImpactStatistics: z.unknown(),
  TopAnomalousServices: z.array(anomalousServiceSchema).nullish(),
  Event: z
    .object({
      Summary: z.string().optional(),
      EventTime: flexibleInstant.nullish(),
    })
    .nullish(),
});

const groupKeysSchema = z.object({
  GroupName: z.string().min(1).optional(),
  GroupARN: z.string().min(1).optional(),
});

export function parseInsight(envelope: Envelope, ctx: ParseContext): ParseResult {
  const keys = parseOrThrow(groupKeysSchema, envelope.detail, 'insight event detail');
  const groupName = keys.GroupName ?? (keys.GroupARN ? groupNameFromArn(keys.GroupARN) : undefined);
  if (groupName === undefined) {
    return throwMalformed('insight event detail.GroupName: missing (and no parsable GroupARN)');
  }
  const ruleId = ruleIdFromGroupName(ctx.namePrefix, groupName);
  if (ruleId === undefined) {
    const reason = `X-Ray group "${groupName}" is not one of ours (prefix "${ctx.namePrefix}")`;
    ctx.logger.info('ignoring event', { reason, eventId: envelope.id });
    return { kind: 'ignored', reason };
  }

  const detail = parseOrThrow(insightDetailSchema, envelope.detail, 'insight event detail');
  const start = detail.StartTime;
  const end = detail.EndTime ?? undefined;
  if (end !== undefined && end.getTime() < start.getTime()) {
    return throwMalformed(
      `insight event detail.EndTime: ${end.toISOString()} is before StartTime ${start.toISOString()}`,
    );
  }
  const eventTime = detail.Event?.EventTime ?? undefined;
  const state = insightState(detail.State, start, eventTime);
  const changedAt = eventTime ?? (detail.State === 'CLOSED' ? (end ?? envelope.time) : envelope.time);
  const summary = detail.Summary.trim();
  const optionalImpact = (value: unknown, field: string): RequestImpact | undefined => {
    if (value === undefined || value === null) return undefined;
    const parsed = impactSchema.safeParse(value);
    if (parsed.success) return toImpact(parsed.data);
    // Best-effort figures: the page goes out without them rather than to the dead-letter queue.
    ctx.logger.warn('insight impact figures invalid; paging without them', {
      eventId: envelope.id,
      field,
      problem: parsed.error.issues.map((i) => `${i.path.join('.') || field}: ${i.message}`).join('; '),
    });
    return undefined;
  };

  return {
    kind: 'alert',
    alert: {
      kind: 'insight',
      ruleId,
      state,
      eventId: envelope.id,
      region: envelope.region,
      account: envelope.account,
      eventTime: envelope.time,
      changedAt,
      window: { start, end: detail.State === 'CLOSED' ? (end ?? changedAt) : end },
      title: summary || `X-Ray Insight on ${groupName}`,
      // The latest event's summary says what changed; the insight's says what it is about.
      reason: detail.Event?.Summary?.trim() || summary || 'X-Ray detected anomalous faults in this group.',
      reasonData: undefined,
      impact: {
        client: optionalImpact(detail.ClientRequestImpactStatistics, 'ClientRequestImpactStatistics'),
        rootCauseService: optionalImpact(
          detail.RootCauseServiceRequestImpactStatistics,
          'RootCauseServiceRequestImpactStatistics',
        ),
      },
      rootCauseService: toServiceRef(detail.RootCauseServiceId),
      topAnomalousServices: (detail.TopAnomalousServices ?? []).flatMap((s) => {
        const ref = toServiceRef(s.ServiceId);
        return ref ? [ref] : [];
      }),
      links: {
        insight: insightConsoleUrl(envelope.region, detail.InsightId),
        traces: tracesQueryConsoleUrl(envelope.region),
      },
      insight: {
        insightId: detail.InsightId,
        groupName,
        groupArn: keys.GroupARN,
        categories: detail.Categories,
        insightState: detail.State,
      },
    },
  };
}

export function insightState(
  state: 'ACTIVE' | 'CLOSED',
  start: Date,
  eventTime: Date | undefined,
): AlertState {
  if (state === 'CLOSED') return 'resolved';
  if (eventTime === undefined) return 'firing';
  return Math.abs(eventTime.getTime() - start.getTime()) <= FIRST_EVENT_TOLERANCE_MS ? 'firing' : 'updated';
}

function toImpact(stats: z.output<typeof impactSchema> | null | undefined): RequestImpact | undefined {
  if (!stats) return undefined;
  return { faultCount: stats.FaultCount, okCount: stats.OkCount, totalCount: stats.TotalCount };
}

function toServiceRef(id: z.output<typeof serviceIdSchema> | null | undefined): ServiceRef | undefined {
  if (!id) return undefined;
  const names = (id.Names ?? []).filter((n): n is string => typeof n === 'string' && n.length > 0);
  const name = id.Name ?? names[0];
  if (name === undefined) return undefined;
  return { name, names, type: id.Type, accountId: id.AccountId };
}

function throwMalformed(reason: string): never {
  throw new PermanentError(reason);
}
