/**
 * Incident items (`INC#<id>` / `META`): the decision's span mirrored (state, sources, times)
 * plus what deliveries add (impact, users, Slack thread, first page time). Every write is an
 * optimistic update on `version`; the span part only moves forward (`spanVersion`), so a
 * late mirror never overwrites a newer state.
 *
 * Listing for the digest reads the `byDay` index one UTC day at a time with the SDK's
 * paginator (`paginateQuery`), never a scan.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERTS_TABLE_KEYS as K, META, dayPk, daySk, incidentPk } from '../alerts-table';
import type { Span } from './decide';
import { EMPTY_IMPACT, incidentSchema, mergeImpact, mergeUsers, type Incident } from './model';
import type { Optimistic } from './optimistic';
import type { IncidentMeta, IncidentRecords } from './types';

export interface IncidentRecordsOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  optimistic: Optimistic;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The span's part of an incident item. */
export function spanFields(
  span: Span,
): Pick<
  Incident,
  'state' | 'activeSources' | 'sources' | 'firstFiredAt' | 'lastEventAt' | 'reopenedCount' | 'spanVersion'
> & { resolvedAt?: string } {
  return {
    state: span.state,
    activeSources: [...span.activeSources],
    sources: [...span.sources],
    firstFiredAt: iso(span.firstFiredAt),
    lastEventAt: iso(Math.max(span.lastEventAt, span.lastFiringAt)),
    ...(span.resolvedAt === undefined ? {} : { resolvedAt: iso(span.resolvedAt) }),
    reopenedCount: span.reopenedCount,
    spanVersion: span.version,
  };
}

export function createIncidentRecords(options: IncidentRecordsOptions): IncidentRecords {
  const { doc, tableName: TableName, optimistic } = options;

  async function get(id: string): Promise<Incident | undefined> {
    const { Item } = await doc.send(
      new GetCommand({
        TableName,
        Key: { [K.partitionKey]: incidentPk(id), [K.sortKey]: META },
        ConsistentRead: true,
      }),
    );
    return Item ? incidentSchema.parse(Item) : undefined;
  }

  function item(incident: Incident): Record<string, unknown> {
    return {
      ...incident,
      [K.partitionKey]: incidentPk(incident.id),
      [K.sortKey]: META,
      [K.byDayPartitionKey]: dayPk(incident.firstFiredAt),
      [K.byDaySortKey]: daySk(incident.firstFiredAt, incident.id),
    };
  }

  /** Writes `next` if the stored version is still `next.version - 1` (or absent for 1). */
  async function putVersioned(next: Incident): Promise<boolean> {
    const first = next.version === 1;
    try {
      await doc.send(
        new PutCommand({
          TableName,
          Item: item(next),
          ConditionExpression: first ? 'attribute_not_exists(#pk)' : '#v = :prev',
          ExpressionAttributeNames: first ? { '#pk': K.partitionKey } : { '#v': 'version' },
          ...(first ? {} : { ExpressionAttributeValues: { ':prev': next.version - 1 } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Applies `change` to the current item; `undefined` from `change` means "nothing to do". */
  function update(id: string, change: (incident: Incident) => Incident | undefined) {
    return optimistic(`incident ${id}`, async () => {
      const current = await get(id);
      if (!current) return { value: undefined };
      const next = change(current);
      if (!next) return { value: current };
      return (await putVersioned({ ...next, version: current.version + 1 })) ? { value: next } : undefined;
    }).then((r) => r.value);
  }

  return {
    get,

    mirror: (span, meta) =>
      optimistic(`incident ${span.id}`, async () => {
        const current = await get(span.id);
        if (!current) {
          const fresh = newIncident(span, meta);
          return (await putVersioned(fresh)) ? fresh : undefined;
        }
        if ((current.spanVersion ?? 0) >= span.version) return current;
        const next: Incident = {
          ...withoutResolved(current),
          ...spanFields(span),
          version: current.version + 1,
        };
        return (await putVersioned(next)) ? next : undefined;
      }),

    updateImpact: (id, impact, users) =>
      update(id, (current) => ({
        ...current,
        impact: mergeImpact(current.impact, impact),
        ...mergeUsers(current.users, users, current.usersTruncated),
      })),

    markPaged: (id, at) =>
      update(id, (current) => (current.pagedAt ? undefined : { ...current, pagedAt: at.toISOString() })),

    setSlackRoot: (id, slack) => update(id, (current) => (current.slack ? undefined : { ...current, slack })),

    setDecidedSeverity: (id, decision) =>
      update(id, (current) =>
        current.decidedSeverity
          ? undefined
          : { ...current, decidedSeverity: decision.severity, severityReason: decision.reason },
      ),

    setRelation: (id, relatedTo) =>
      update(id, (current) => (current.relatedTo ? undefined : { ...current, relatedTo })),

    async listStartedBetween(start, end) {
      const incidents: Incident[] = [];
      for (const day of utcDays(start, end)) {
        const pages = paginateQuery(
          { client: doc },
          {
            TableName,
            IndexName: K.byDayIndex,
            KeyConditionExpression: '#d = :d AND #s BETWEEN :a AND :b',
            ExpressionAttributeNames: { '#d': K.byDayPartitionKey, '#s': K.byDaySortKey },
            ExpressionAttributeValues: {
              ':d': `DAY#${day}`,
              ':a': start.toISOString(),
              // `~` sorts after every id character, so the bound includes all ids at `end - 1 ms`.
              ':b': `${new Date(end.getTime() - 1).toISOString()}#~`,
            },
          },
        );
        for await (const page of pages)
          incidents.push(...(page.Items ?? []).map((i) => incidentSchema.parse(i)));
      }
      return incidents;
    },
  };
}

function newIncident(span: Span, meta: IncidentMeta): Incident {
  return {
    id: span.id,
    ruleId: meta.ruleId,
    severity: meta.severity,
    title: meta.title,
    test: meta.test,
    silenced: meta.silenced,
    ...spanFields(span),
    impact: EMPTY_IMPACT,
    users: [],
    usersTruncated: false,
    version: 1,
  };
}

function withoutResolved(incident: Incident): Incident {
  const { resolvedAt: _resolvedAt, ...rest } = incident;
  return rest;
}

/** UTC calendar days (yyyy-mm-dd) touched by [start, end). */
export function utcDays(start: Date, end: Date): string[] {
  const days: string[] = [];
  const cursor = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  while (cursor.getTime() < end.getTime()) {
    days.push(cursor.toISOString().slice(0, 10));
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  return days;
}
