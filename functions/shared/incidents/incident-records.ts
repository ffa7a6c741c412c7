/**
 * Incident items (`INC#<id>` / `META`): the decision's span mirrored (state, sources, times)
 * plus what deliveries add (impact, users, Slack thread, first page time). Every write is an
 * optimistic update on `version`; the span part only moves forward (`spanVersion`), so a
 * late mirror never overwrites a newer state.
 *
 * Listing for the digest reads the `byDay` index one UTC day at a time with the SDK's
 * paginator (`paginateQuery`), never a scan.
 *
 * Retention (retention.ts):
 * - The item never expires while the incident is open. When it resolves it gets `expiresAt` =
 *   now + `incidentDays`, which later writes keep and a reopen removes; after each mirror the
 *   incident's own delivery records take the same expiry (incident-lifetime.ts).
 * - Usernames live in an item of their own (`INC#<id>` / `USERS`) that expires `usernameDays`
 *   after they were last recorded, while this item keeps the counts (`impact`, `usernameCount`).
 *   An item, because DynamoDB's TTL deletes items, never attributes, and it is the one deletion
 *   that needs no process of ours to run. Rejected: a scheduled job removing the attribute (a
 *   missed run leaves the names), hashing the names (still personal data). A read puts the two
 *   together: once the names are gone `users` is empty and `usernamesExpired` says so.
 * - The names are written first, then the item, in one optimistic attempt: a crash between
 *   leaves names the item does not count yet, which its next write counts.
 * - Either item past its `expiresAt` is gone, whether or not DynamoDB has deleted it yet.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ALERTS_TABLE_KEYS as K, META, USERS, dayPk, daySk, incidentPk, usersDaySk } from '../alerts-table';
import type { Span } from './decide';
import { createIncidentLifetime, type IncidentLifetime } from './incident-lifetime';
import { EMPTY_IMPACT, incidentSchema, mergeImpact, mergeUsers, type Incident } from './model';
import type { Optimistic } from './optimistic';
import { createExpiry, DEFAULT_RETENTION, type Expiry } from './retention';
import type { AcknowledgeOutcome, EscalationOutcome, IncidentMeta, IncidentRecords } from './types';

export interface IncidentRecordsOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  optimistic: Optimistic;
  expiry?: Expiry;
  lifetime?: IncidentLifetime;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The span's part of an incident item. */
export function spanFields(
  span: Span,
): Pick<
  Incident,
  'state' | 'activeSources' | 'sources' | 'firstFiredAt' | 'lastEventAt' | 'reopenedCount' | 'spanVersion'
> & { resolvedAt?: string; manualResolve?: Incident['manualResolve'] } {
  return {
    state: span.state,
    activeSources: [...span.activeSources],
    sources: [...span.sources],
    firstFiredAt: iso(span.firstFiredAt),
    lastEventAt: iso(Math.max(span.lastEventAt, span.lastFiringAt)),
    ...(span.resolvedAt === undefined ? {} : { resolvedAt: iso(span.resolvedAt) }),
    reopenedCount: span.reopenedCount,
    spanVersion: span.version,
    ...(span.manualResolve === undefined
      ? {}
      : {
          manualResolve: {
            by: span.manualResolve.by,
            at: iso(span.manualResolve.at),
            stillFiring: [...span.manualResolve.stillFiring],
          },
        }),
  };
}

const usersSchema = z.object({ incidentId: z.string(), users: z.array(z.string()), rev: z.number().int() });

/** An incident as read, with the revision of its usernames item (0: none, or expired). */
interface Stored {
  incident: Incident;
  usersRev: number;
}

export function createIncidentRecords(options: IncidentRecordsOptions): IncidentRecords {
  const { doc, tableName: TableName, optimistic } = options;
  const expiry = options.expiry ?? createExpiry(DEFAULT_RETENTION, () => new Date());
  const lifetime = options.lifetime ?? createIncidentLifetime({ doc, tableName: TableName, expiry });
  const keyOf = (id: string, sk: string) => ({ [K.partitionKey]: incidentPk(id), [K.sortKey]: sk });

  async function getItem(id: string, sk: string) {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: keyOf(id, sk), ConsistentRead: true }));
    // Past its expiresAt but not yet deleted (DynamoDB deletes lazily, within days): gone.
    return expiry.live(Item);
  }

  async function read(id: string): Promise<Stored | undefined> {
    const [item, names] = await Promise.all([getItem(id, META), getItem(id, USERS)]);
    return item ? compose(item, names) : undefined;
  }

  async function get(id: string): Promise<Incident | undefined> {
    return (await read(id))?.incident;
  }

  /** Writes `next` if the stored version is still `next.version - 1` (or absent for 1). */
  async function putVersioned(next: Incident): Promise<Incident | undefined> {
    const settled = withExpiry(next, expiry);
    const first = settled.version === 1;
    const absent = expiry.absent();
    try {
      await doc.send(
        new PutCommand({
          TableName,
          Item: metaItem(settled),
          ConditionExpression: first ? absent.expression : '#v = :prev',
          ExpressionAttributeNames: first ? absent.names : { '#v': 'version' },
          ExpressionAttributeValues: first ? absent.values : { ':prev': settled.version - 1 },
        }),
      );
      return settled;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Writes the usernames if their item is still at `rev` (0: absent or expired). */
  async function putUsers(incident: Incident, users: readonly string[], rev: number): Promise<boolean> {
    const absent = expiry.absent();
    try {
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            ...keyOf(incident.id, USERS),
            incidentId: incident.id,
            users,
            rev: rev + 1,
            [K.byDayPartitionKey]: dayPk(incident.firstFiredAt),
            [K.byDaySortKey]: usersDaySk(incident.firstFiredAt, incident.id),
            [K.ttl]: expiry.usernames(),
          },
          ConditionExpression: rev === 0 ? absent.expression : '#rev = :rev',
          ExpressionAttributeNames: rev === 0 ? absent.names : { '#rev': 'rev' },
          ExpressionAttributeValues: rev === 0 ? absent.values : { ':rev': rev },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The incident's own delivery records take its expiry (incident-lifetime.ts). */
  const syncLifetime = (incident: Incident) =>
    lifetime.syncAll(incident.id, { version: incident.version, expiresAt: incident.expiresAt });

  /** Applies `change` to the current item; `undefined` from `change` means "nothing to do". */
  function update(id: string, change: (incident: Incident) => Incident | undefined) {
    return optimistic(`incident ${id}`, async () => {
      const current = await get(id);
      if (!current) return { value: undefined };
      const next = change(current);
      if (!next) return { value: current };
      const written = await putVersioned({ ...next, version: current.version + 1 });
      if (written && written.expiresAt !== current.expiresAt) await syncLifetime(written);
      return written ? { value: written } : undefined;
    }).then((r) => r.value);
  }

  /**
   * Like `update`, for writes that say why they wrote nothing: `decide` returns the outcome and
   * the next item (or none).
   */
  function decideUpdate<T extends { outcome: string }>(
    id: string,
    decide: (incident: Incident) => { next?: Incident; result: (incident: Incident) => T },
  ): Promise<T | { outcome: 'not-found' }> {
    return optimistic(`incident ${id}`, async () => {
      const current = await get(id);
      if (!current) return { value: { outcome: 'not-found' as const } };
      const { next, result } = decide(current);
      if (!next) return { value: result(current) };
      const written = { ...next, version: current.version + 1 };
      return (await putVersioned(written)) ? { value: result(written) } : undefined;
    }).then((r) => r.value);
  }

  const actionsBumped = (incident: Incident) => (incident.actionsVersion ?? 0) + 1;

  return {
    get,

    async mirror(span, meta) {
      const incident = await optimistic(`incident ${span.id}`, async () => {
        const current = await get(span.id);
        if (!current) return putVersioned(newIncident(span, meta));
        if ((current.spanVersion ?? 0) >= span.version) return current;
        return putVersioned({
          ...withoutResolved(current),
          ...spanFields(span),
          version: current.version + 1,
        });
      });
      // Also when it was already written: the retry of a mirror that died before this line.
      await syncLifetime(incident);
      return incident;
    },

    updateImpact: (id, impact, users) =>
      optimistic(`incident ${id}`, async () => {
        const stored = await read(id);
        if (!stored) return { value: undefined };
        const { incident: current, usersRev } = stored;
        const merged = mergeUsers(current.users, users, current.usersTruncated);
        if (merged.users.length > current.users.length) {
          if (!(await putUsers(current, merged.users, usersRev))) return undefined;
        }
        const count = Math.max(current.usernameCount ?? 0, merged.users.length);
        const next = await putVersioned({
          ...current,
          impact: mergeImpact(current.impact, impact),
          ...merged,
          ...(count > 0 ? { usernameCount: count } : {}),
          version: current.version + 1,
        });
        return next ? { value: next } : undefined;
      }).then((r) => r.value),

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
    acknowledge: (id, acknowledgement, options = {}) =>
      decideUpdate<Exclude<AcknowledgeOutcome, { outcome: 'not-found' }>>(id, (current) => {
        if (current.acknowledgement) return { result: (incident) => ({ outcome: 'already', incident }) };
        if (current.state === 'resolved' && !options.whileResolved) {
          return { result: (incident) => ({ outcome: 'resolved', incident }) };
        }
        return {
          next: { ...current, acknowledgement, actionsVersion: actionsBumped(current) },
          result: (incident) => ({ outcome: 'acknowledged', incident }),
        };
      }),

    recordEscalation: (id, step, at) =>
      decideUpdate<Exclude<EscalationOutcome, { outcome: 'not-found' }>>(id, (current) => {
        const steps = current.escalation?.steps ?? [];
        const no = (outcome: 'already' | 'acknowledged' | 'resolved' | 'out-of-order') => ({
          result: (incident: Incident) => ({ outcome, incident }),
        });
        if (steps.some((s) => s.step === step)) return no('already');
        if (current.acknowledgement) return no('acknowledged');
        if (current.state === 'resolved') return no('resolved');
        if (steps.length !== step - 1) return no('out-of-order');
        const { pending } = current.escalation ?? {};
        return {
          next: {
            ...current,
            escalation: {
              steps: [...steps, { step, at: at.toISOString() }],
              ...(pending && pending.step > step ? { pending } : {}),
            },
            actionsVersion: actionsBumped(current),
          },
          result: (incident) => ({ outcome: 'recorded', incident }),
        };
      }),

    setEscalationPending: (id, pending) =>
      update(id, (current) => {
        const steps = current.escalation?.steps ?? [];
        const noted = current.escalation?.pending;
        if (steps.some((s) => s.step >= pending.step)) return undefined;
        if (noted && (noted.step > pending.step || noted.schedule === pending.schedule)) return undefined;
        return { ...current, escalation: { steps, pending } };
      }),

    clearEscalationPending: (id, schedule) =>
      update(id, (current) => {
        if (current.escalation?.pending?.schedule !== schedule) return undefined;
        return { ...current, escalation: { steps: current.escalation.steps } };
      }),

    async listStartedBetween(start, end) {
      const items: Record<string, unknown>[] = [];
      const names = new Map<string, Record<string, unknown>>();
      /** Usernames items seen but expired: no need to look for them elsewhere. */
      const expiredNames = new Set<string>();
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
        for await (const page of pages) {
          for (const raw of page.Items ?? []) {
            const isNames = raw[K.sortKey] === USERS;
            // Expired, not yet deleted by DynamoDB's lazy TTL: gone.
            const item = expiry.live(raw);
            if (isNames && !item) expiredNames.add(String(raw.incidentId));
            else if (isNames && item) names.set(String(item.incidentId), item);
            else if (item) items.push(item);
          }
        }
      }
      const incidents: Incident[] = [];
      for (const item of items) {
        const id = String(item.id);
        // A list written before a late event moved the incident's start sits under its old day.
        const lookUp = !names.has(id) && !expiredNames.has(id) && Number(item.usernameCount ?? 0) > 0;
        const own = lookUp ? await getItem(id, USERS) : names.get(id);
        incidents.push(compose(item, own).incident);
      }
      return incidents;
    },
  };
}

/** The incident item and its usernames (if still kept) as one incident. */
function compose(item: Record<string, unknown>, names: Record<string, unknown> | undefined): Stored {
  const list = names ? usersSchema.parse(names) : undefined;
  const users = list?.users ?? [];
  const incident = incidentSchema.parse({ ...item, users });
  const expired = incident.usernamesExpired === true || (incident.usernameCount ?? 0) > users.length;
  return {
    incident: expired ? { ...incident, usernamesExpired: true } : incident,
    usersRev: list?.rev ?? 0,
  };
}

/** Open: never expires. Resolved: from when it resolved, kept by later writes. */
function withExpiry(incident: Incident, expiry: Expiry): Incident {
  const { expiresAt, ...rest } = incident;
  return incident.state === 'open' ? rest : { ...rest, expiresAt: expiresAt ?? expiry.record() };
}

/** The incident item: everything but the usernames, which have their own item. */
function metaItem(incident: Incident): Record<string, unknown> {
  const { users: _users, ...rest } = incident;
  return {
    ...rest,
    [K.partitionKey]: incidentPk(incident.id),
    [K.sortKey]: META,
    [K.byDayPartitionKey]: dayPk(incident.firstFiredAt),
    [K.byDaySortKey]: daySk(incident.firstFiredAt, incident.id),
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

/** The item without the span's optional parts, which the mirror then writes as the span has them. */
function withoutResolved(incident: Incident): Incident {
  const { resolvedAt: _resolvedAt, manualResolve: _manualResolve, ...rest } = incident;
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
