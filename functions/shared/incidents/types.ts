/**
 * The incident store's contracts, one per concern, each implemented on the alerts table by
 * its own file (ledger.ts, incident-records.ts, history.ts, deliveries.ts, outbox.ts,
 * event-bindings.ts) and put together by store.ts. Callers and tests see these interfaces,
 * not the closures behind them.
 *
 * Every write is a single-item conditional write: the table must also run on dynalite, which
 * has no transactions. Where two items must agree, one is the record and the other a mirror
 * ordered by a version (the ledger's span version → the incident item).
 */
import type { Change, RuleLedger, Span } from './decide';
import type { Acknowledgement, AlertSource, EscalationRecord, Impact, Incident } from './model';

/** Which ledger: a rule's real incidents, or its test alerts' (kept apart). */
export interface RuleKey {
  ruleId: string;
  test: boolean;
}

/** An `Incident Updated` still to be published (written with the decision that caused it). */
export interface OutboxEntry {
  incidentId: string;
  change: Change;
  /** The span version the change produced. */
  version: number;
  trigger: {
    eventId: string;
    kind: AlertSource;
    state: 'firing' | 'updated' | 'resolved' | 'insufficient_data';
    /** ISO instant: when the reported state began. */
    at: string;
  };
  links: { alarm?: string | undefined; insight?: string | undefined; traces?: string | undefined };
}

export interface LedgerItem {
  ledger: RuleLedger;
  outbox: OutboxEntry[];
  /** 0 when the rule has no ledger yet. */
  version: number;
}

/** The rule's ledger: the decision's input and output, written only as a whole. */
export interface RuleLedgers {
  get(key: RuleKey): Promise<LedgerItem>;
  /** Writes `next` if the stored version is still `expected`; false when someone else wrote. */
  put(key: RuleKey, next: Omit<LedgerItem, 'version'>, expected: number): Promise<boolean>;
}

/** What an incident item keeps that the decision does not: who, what, and where it was paged. */
export interface IncidentMeta {
  ruleId: string;
  severity: Incident['severity'];
  title: string;
  test: boolean;
  silenced: boolean;
}

export interface IncidentRecords {
  get(id: string): Promise<Incident | undefined>;
  /** Creates the item, or brings its state up to `span` unless it already shows a newer one. */
  mirror(span: Span, meta: IncidentMeta): Promise<Incident>;
  updateImpact(id: string, impact: Impact, users: readonly string[]): Promise<Incident | undefined>;
  markPaged(id: string, at: Date): Promise<Incident | undefined>;
  setSlackRoot(id: string, slack: NonNullable<Incident['slack']>): Promise<Incident | undefined>;
  /** Records where the incident was folded (first write wins; see the notifier's relate.ts). */
  setRelation(id: string, relation: NonNullable<Incident['relatedTo']>): Promise<Incident | undefined>;
  /** Records the severity decided from the impact (first write wins: a page is never withdrawn). */
  setDecidedSeverity(
    id: string,
    decision: { severity: NonNullable<Incident['decidedSeverity']>; reason: string },
  ): Promise<Incident | undefined>;
  /**
   * Records who picked the page up, once: an open incident without one gets it; one already
   * acknowledged keeps the first (`already`); a resolved one is left alone (`resolved`), unless
   * `whileResolved` (the acknowledgement a manual resolve implies, written just before it).
   */
  acknowledge(
    id: string,
    acknowledgement: Acknowledgement,
    options?: { whileResolved?: boolean },
  ): Promise<AcknowledgeOutcome>;
  /**
   * Records escalation `step` as sent (with `at`) if the page still needs it: open, not
   * acknowledged, and the step is the next one. A step already recorded is `already` (a retry).
   */
  recordEscalation(id: string, step: number, at: Date): Promise<EscalationOutcome>;
  /** Notes the schedule that will send `pending.step`, unless a later step is already noted or sent. */
  setEscalationPending(
    id: string,
    pending: NonNullable<EscalationRecord['pending']>,
  ): Promise<Incident | undefined>;
  /** Forgets the noted schedule if it is still `schedule` (it fired, or was cancelled). */
  clearEscalationPending(id: string, schedule: string): Promise<Incident | undefined>;
  /** Incidents whose first event falls in [start, end), day by day from the `byDay` index. */
  listStartedBetween(start: Date, end: Date): Promise<Incident[]>;
}

export type AcknowledgeOutcome =
  { outcome: 'acknowledged' | 'already' | 'resolved'; incident: Incident } | { outcome: 'not-found' };

export type EscalationOutcome =
  | { outcome: 'recorded' | 'already' | 'acknowledged' | 'resolved' | 'out-of-order'; incident: Incident }
  | { outcome: 'not-found' };

export interface HistoryEntry {
  at: string;
  eventId: string;
  source: AlertSource;
  state: string;
  summary: string;
}

export interface IncidentHistory {
  /** Idempotent: the same event written twice is one entry. */
  record(incidentId: string, entry: HistoryEntry & Record<string, unknown>): Promise<void>;
  list(incidentId: string): Promise<HistoryEntry[]>;
}

export interface DeliveryKey {
  /** The event the delivery is for, or INCIDENT_EVENT_KEY for the incident as a whole. */
  eventKey: string;
  channel: string;
}

/**
 * `eventKey` of a delivery that belongs to the incident as a whole (its thread root, its page
 * email): such a record lives exactly as long as the incident (incident-lifetime.ts); any other
 * lives `retention.incidentDays` from its write (retention.ts).
 */
export const INCIDENT_EVENT_KEY = 'incident';

export interface DeliveryRecord {
  status: 'sending' | 'sent';
  sentAt?: string;
  detail?: Record<string, string>;
  /** `sending` only: who holds the claim and until when (epoch ms). */
  owner?: string;
  leaseUntil?: number;
  /** Bumped by `annotate` (optimistic locking of a sent record's detail). */
  rev?: number;
}

export type ClaimOutcome =
  /** `takeover`: an earlier holder's lease ran out, or it released: it may have sent. */
  | { status: 'claimed'; takeover: boolean; previous: DeliveryRecord | undefined }
  | { status: 'sent'; record: DeliveryRecord }
  | { status: 'held'; leaseUntil: number };

/** The delivery log: written `sent` only after the channel accepted (Alertmanager's nflog). */
export interface Deliveries {
  claim(incidentId: string, key: DeliveryKey, owner: string, leaseMs: number): Promise<ClaimOutcome>;
  /**
   * Marks it sent with `detail`; `already-sent` when another holder completed first (its
   * detail stands).
   */
  complete(
    incidentId: string,
    key: DeliveryKey,
    detail: Record<string, string>,
  ): Promise<'completed' | 'already-sent'>;
  /**
   * Gives back our own claim after a failed send (its lease ends, the record stays, so the next
   * claim is a takeover); someone else's claim is left alone.
   */
  release(incidentId: string, key: DeliveryKey, owner: string): Promise<void>;
  get(incidentId: string, key: DeliveryKey): Promise<DeliveryRecord | undefined>;
  /** Merges `detail` into a sent record (e.g. the version a root was last rewritten to). */
  annotate(
    incidentId: string,
    key: DeliveryKey,
    detail: Record<string, string>,
    onlyIf: (current: DeliveryRecord) => boolean,
  ): Promise<boolean>;
}

export interface EventBinding {
  incidentId: string;
  change: string;
  boundAt: string;
}

export interface EventBindings {
  find(eventId: string): Promise<EventBinding | undefined>;
  /** Binds unless already bound; returns the binding that holds and whether this call made it. */
  bind(
    eventId: string,
    binding: Omit<EventBinding, 'boundAt'>,
  ): Promise<{ binding: EventBinding; created: boolean }>;
}

/**
 * A silence set from a page (Silence 1 h / 4 h), beside the ones written in the rule's code. In
 * force from `from` (inclusive) to `until` (exclusive), judged at each event's own time.
 */
export interface RuntimeSilence {
  /** The interaction that set it: a retried click adds nothing. */
  id: string;
  from: string;
  until: string;
  /** Slack user id. */
  createdBy: string;
  reason: string;
  /** The incident whose page it was set from; its thread gets the notes. */
  incidentId?: string | undefined;
}

export interface RuntimeSilences {
  /** The rule's stored silences, ended ones of the last MAX_AGE included (late events need them). */
  list(ruleId: string): Promise<RuntimeSilence[]>;
  /** Adds it unless one with its id is stored; drops those long ended. */
  add(ruleId: string, silence: RuntimeSilence, now: Date): Promise<'added' | 'already'>;
}

/** Pending `Incident Updated` events of a rule, kept in its ledger item. */
export interface Outbox {
  pending(key: RuleKey): Promise<OutboxEntry[]>;
  /** Drops entries once published (matched by incident, change and version). */
  remove(key: RuleKey, done: readonly OutboxEntry[]): Promise<void>;
}
