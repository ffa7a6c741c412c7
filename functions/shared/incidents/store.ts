/**
 * The incident store: one object per concern (types.ts declares each contract) on the alerts
 * table, and `apply`, the one operation that decides an event and records the decision.
 *
 * `apply`, in order (each step idempotent, so a retry after a crash anywhere redoes only
 * what is missing):
 *
 * | step | write                                         | a crash after it leaves                    |
 * |------|-----------------------------------------------|--------------------------------------------|
 * | 1    | (read) the event's binding: found → replay    |                                            |
 * | 2    | the rule ledger: decision + outbox entries,   | a ledger that knows the event: the retry   |
 * |      | one conditional put (retried on contention)   | replays it (decide rule 1) and goes on     |
 * | 3    | each changed incident item (mirror by span    | items behind the ledger: mirrored by the   |
 * |      | version, never backwards)                     | retry, or by the outbox drain              |
 * | 4    | the event binding (first writer wins)         | nothing: later deliveries are claimed      |
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Retention } from '../../../rules/schema';
import type { Random, Sleep } from '../retry';
import {
  decide,
  decideManualResolve,
  type Change,
  type Decision,
  type ManualResolve,
  type Observation,
  type RuleLedger,
  type SpanChange,
} from './decide';
import { createDeliveries } from './deliveries';
import { createEventBindings } from './event-bindings';
import { createIncidentHistory } from './history';
import { createIncidentLifetime } from './incident-lifetime';
import { createIncidentRecords } from './incident-records';
import { createOutbox, createRuleLedgers, MAX_OUTBOX } from './ledger';
import type { AlertSource, Incident } from './model';
import { optimistic } from './optimistic';
import { createExpiry, DEFAULT_RETENTION } from './retention';
import { createRuntimeSilences } from './silences';
import { incidentId, type FiringEvent } from './transitions';
import type {
  Deliveries,
  EventBindings,
  IncidentHistory,
  IncidentMeta,
  IncidentRecords,
  Outbox,
  OutboxEntry,
  RuleKey,
  RuleLedgers,
  RuntimeSilences,
} from './types';

export { IncidentConflictError } from './optimistic';
export { utcDays } from './incident-records';
export type { HistoryEntry, IncidentMeta, RuleKey } from './types';

export interface IncidentStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
  /** Back-off between contended attempts (injected so tests can count them). */
  sleep?: Sleep;
  random?: Random;
  /** Attempts for one optimistic update before giving up. @default 25 */
  maxAttempts?: number;
  /**
   * How long items live (the rule set's `retention`; retention.ts says which item gets what).
   * @default 90 days for incidents and their records, 30 for usernames
   */
  retention?: Retention;
}

export interface ApplyInput {
  key: RuleKey;
  /** For incidents this event creates. */
  meta: IncidentMeta;
  observation: Observation;
  reopenWindowMs: number;
  /** The `Incident Updated` each change owes (undefined: none, e.g. without an incident bus). */
  outboxEntry: (change: SpanChange) => OutboxEntry | undefined;
}

/** Resolve pressed on a page (decide.ts rule 8), applied like an event under its own id. */
export interface ManualResolveInput {
  key: RuleKey;
  meta: IncidentMeta;
  resolve: ManualResolve;
}

export interface Applied {
  incidentId: string | undefined;
  change: Change;
  /** Every incident the decision changed (empty for a replay). */
  changes: SpanChange[];
  /** Incidents as mirrored by this call (the event's own, when it has one, included). */
  incidents: Map<string, Incident>;
  /** False when an earlier delivery of this event already decided it (a duplicate or a retry). */
  firstProcessing: boolean;
  /** Outbox entries dropped because the outbox was full. */
  droppedEvents: number;
}

export interface IncidentStore {
  ledgers: RuleLedgers;
  incidents: IncidentRecords;
  history: IncidentHistory;
  deliveries: Deliveries;
  outbox: Outbox;
  bindings: EventBindings;
  /** Silences set from pages (silences.ts). */
  silences: RuntimeSilences;
  apply(input: ApplyInput): Promise<Applied>;
  /** The same steps as `apply`, for a manual resolve (no `Incident Updated` is owed by it). */
  applyManualResolve(input: ManualResolveInput): Promise<Applied>;
  /** Brings every incident with a pending outbox entry up to its ledger span. */
  mirrorPending(key: RuleKey, meta: IncidentMeta): Promise<void>;
  /** The rule's latest incident. */
  findCurrent(ruleId: string, test?: boolean): Promise<Incident | undefined>;
  get(id: string): Promise<Incident | undefined>;
  listStartedBetween(start: Date, end: Date): Promise<Incident[]>;
  markPaged(id: string, at: Date): Promise<Incident | undefined>;
  /** Seeding (the digest's scripts): a firing at `event.at`, through the same decision. */
  openOrAttach(event: FiringEvent, reopenWindowMs: number): Promise<{ incident: Incident; change: Change }>;
  /** Seeding: `source` resolved at `at`. */
  resolveSource(
    ruleId: string,
    source: AlertSource,
    at: Date,
    test?: boolean,
  ): Promise<{ incident: Incident | undefined; change: Change }>;
}

export function createIncidentStore(options: IncidentStoreOptions): IncidentStore {
  const { doc, tableName } = options;
  const now = options.now ?? (() => new Date());
  const retry = optimistic({
    sleep: options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))),
    random: options.random ?? Math.random,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
  // One expiry for every item kind, on the store's clock: TTLs are computed there only.
  const expiry = createExpiry(options.retention ?? DEFAULT_RETENTION, now);
  const lifetime = createIncidentLifetime({ doc, tableName, expiry });
  const ledgers = createRuleLedgers({ doc, tableName, expiry });
  const incidents = createIncidentRecords({ doc, tableName, optimistic: retry, expiry, lifetime });
  const history = createIncidentHistory({ doc, tableName, expiry });
  const deliveries = createDeliveries({ doc, tableName, now, expiry, lifetime });
  const outbox = createOutbox(ledgers, retry);
  const bindings = createEventBindings({ doc, tableName, now, expiry });
  const silences = createRuntimeSilences({ doc, tableName, optimistic: retry });

  async function mirrorAll(key: RuleKey, ids: Iterable<string>, meta: IncidentMeta) {
    const { ledger } = await ledgers.get(key);
    const mirrored = new Map<string, Incident>();
    for (const id of new Set(ids)) {
      const span = ledger.spans.find((s) => s.id === id);
      const incident = span ? await incidents.mirror(span, meta) : await incidents.get(id);
      if (incident) mirrored.set(id, incident);
    }
    return mirrored;
  }

  async function apply(input: ApplyInput): Promise<Applied> {
    const { key, observation } = input;
    return applyDecision({
      key,
      meta: input.meta,
      eventId: observation.eventId,
      decide: (ledger) =>
        decide(ledger, observation, {
          reopenWindowMs: input.reopenWindowMs,
          newId: (first) => incidentId(key.ruleId, new Date(first), key.test),
        }),
      outboxEntry: input.outboxEntry,
    });
  }

  /** Steps 1–4 of the table above, for any decision on the rule's ledger. */
  async function applyDecision(input: {
    key: RuleKey;
    meta: IncidentMeta;
    eventId: string;
    decide: (ledger: RuleLedger) => Decision;
    outboxEntry: ApplyInput['outboxEntry'];
  }): Promise<Applied> {
    const { key, meta, eventId } = input;
    const bound = await bindings.find(eventId);
    if (bound) return replay(bound.incidentId || undefined, bound.change as Change);

    let dropped = 0;
    const decision = await retry(`rule ${key.ruleId} ledger`, async () => {
      const item = await ledgers.get(key);
      const d = input.decide(item.ledger);
      if (!d.write) return { d, pending: item.outbox };
      const owed = d.changes.flatMap((c) => input.outboxEntry(c) ?? []);
      const all = [...item.outbox, ...owed];
      dropped = Math.max(0, all.length - MAX_OUTBOX);
      const next = { ledger: d.ledger, outbox: all.slice(-MAX_OUTBOX) };
      return (await ledgers.put(key, next, item.version)) ? { d, pending: next.outbox } : undefined;
    });
    const { d, pending } = decision;
    const ids = [
      ...d.changes.map((c) => c.incidentId),
      ...(d.incidentId ? [d.incidentId] : []),
      // A replay from the ledger: an earlier attempt may have died before its mirrors.
      ...(d.replayed ? pending.map((e) => e.incidentId) : []),
    ];
    const mirrored = await mirrorAll(key, ids, meta);
    const { binding, created } = await bindings.bind(eventId, {
      incidentId: d.incidentId ?? '',
      change: d.change,
    });
    if (!created && binding.incidentId !== (d.incidentId ?? '')) {
      return replay(binding.incidentId || undefined, binding.change as Change);
    }
    return {
      incidentId: d.incidentId,
      change: d.change,
      changes: d.replayed ? [] : d.changes,
      incidents: mirrored,
      firstProcessing: created && !d.replayed,
      droppedEvents: dropped,
    };
  }

  async function replay(id: string | undefined, change: Change): Promise<Applied> {
    const incident = id ? await incidents.get(id) : undefined;
    return {
      incidentId: id,
      change,
      changes: [],
      incidents: new Map(incident && id ? [[id, incident]] : []),
      firstProcessing: false,
      droppedEvents: 0,
    };
  }

  const seedMeta = (event: Pick<FiringEvent, 'ruleId' | 'severity' | 'title' | 'test' | 'silenced'>) => ({
    ruleId: event.ruleId,
    severity: event.severity,
    title: event.title,
    test: event.test,
    silenced: event.silenced,
  });

  return {
    ledgers,
    incidents,
    history,
    deliveries,
    outbox,
    bindings,
    silences,
    apply,

    applyManualResolve: ({ key, meta, resolve }) =>
      applyDecision({
        key,
        meta,
        eventId: resolve.eventId,
        decide: (ledger) => decideManualResolve(ledger, resolve),
        // `Incident Updated` has no trigger kind for a person yet: the manual resolve owes none.
        outboxEntry: () => undefined,
      }),

    async mirrorPending(key, meta) {
      const entries = await outbox.pending(key);
      await mirrorAll(
        key,
        entries.map((e) => e.incidentId),
        meta,
      );
    },

    async findCurrent(ruleId, test = false) {
      const { ledger } = await ledgers.get({ ruleId, test });
      const latest = ledger.spans[ledger.spans.length - 1];
      return latest ? incidents.get(latest.id) : undefined;
    },

    get: (id) => incidents.get(id),
    listStartedBetween: (start, end) => incidents.listStartedBetween(start, end),
    markPaged: (id, at) => incidents.markPaged(id, at),

    async openOrAttach(event, reopenWindowMs) {
      const at = event.at.getTime();
      const applied = await apply({
        key: { ruleId: event.ruleId, test: event.test },
        meta: seedMeta(event),
        observation: {
          eventId: `seed:${event.ruleId}:${event.source}:${event.at.toISOString()}:firing`,
          source: event.source,
          state: 'firing',
          asOf: at,
          firing: [at, at],
        },
        reopenWindowMs,
        outboxEntry: () => undefined,
      });
      const id = applied.incidentId!;
      const incident =
        (event.impact ? await incidents.updateImpact(id, event.impact, event.users ?? []) : undefined) ??
        (await incidents.get(id))!;
      return { incident, change: applied.change };
    },

    async resolveSource(ruleId, source, at, test = false) {
      const applied = await apply({
        key: { ruleId, test },
        meta: { ruleId, severity: 'info', title: ruleId, test, silenced: false },
        observation: {
          eventId: `seed:${ruleId}:${source}:${at.toISOString()}:ok`,
          source,
          state: 'ok',
          asOf: at.getTime(),
        },
        reopenWindowMs: 0,
        outboxEntry: () => undefined,
      });
      return {
        incident: applied.incidentId ? await incidents.get(applied.incidentId) : undefined,
        change: applied.change,
      };
    },
  };
}
