/**
 * One thread per problem: is this incident part of another rule's open incident?
 *
 * | relation    | when (judged at the incident's first firing time, t)                       |
 * |-------------|----------------------------------------------------------------------------|
 * | `inhibited` | a rule whose `inhibits` names this rule has an incident open at t          |
 * |             | (Alertmanager's inhibit_rules: the higher severity silences the lower)     |
 * | `linked`    | another rule's incident of at least this severity is open at t, names at   |
 * |             | least half of the users this incident's first look found (≥ 1), and blames |
 * |             | the same root-cause service                                                |
 * | `none`      | otherwise: the incident pages in its own thread                            |
 *
 * An inhibited or linked incident sends nothing of its own (no root, no email): its opening is
 * one line in the other incident's thread, and the digest counts it as part of that one.
 *
 * At least once: the decision is made once per incident and kept, in its own conditional
 * record (delivery log, key `incident`/`relation`, claimed like a send):
 * - duplicated or retried events find the record and follow it, whatever happened since;
 * - concurrent events of the incident: one holds the claim and decides, the others wait for it
 *   (delivery-claim.ts) and follow;
 * - an invocation killed while deciding leaves a claim whose lease runs out; the retry decides
 *   again (on the same event times) and only one decision is ever recorded (`complete` is
 *   conditional);
 * - reordered events: the judgment uses event times (the other incident's span from its rule's
 *   ledger, open at t), not arrival order. What it cannot see is an incident whose events have
 *   not arrived yet: if the inhibiting rule's alarm is processed after this incident was
 *   decided, this one has paged already, and a page is never withdrawn.
 * Rejected: recomputing on every event (an incident could flip between paged and folded as the
 * other resolves), and holding every page until the other rules had time to speak (a delay on
 * every page for the sake of a few).
 */
import type { Rule, RuleSet, Severity } from '../../rules/schema';
import type { Span } from '../shared/incidents/decide';
import type { Incident } from '../shared/incidents/model';
import type { IncidentStore } from '../shared/incidents/store';
import type { Budget } from './budget';
import { sendOnce, type ClaimDeps } from './delivery-claim';
import type { Enrichment } from './enrichment';
import type { NotifierLogger } from './ports';

export type Relation =
  { kind: 'none' } | { kind: 'inhibited' | 'linked'; incidentId: string; ruleId: string; title: string };

export const relationKey = { eventKey: 'incident', channel: 'relation' } as const;
/** A decision is a few reads: its claim's bound. */
const RELATE_BOUND = { maxMs: 10_000 };
const RANK: Record<Severity, number> = { page: 3, ticket: 2, info: 1 };
/** Share of this incident's named users the other must also name to be the same problem. */
export const LINK_USER_OVERLAP = 0.5;

export interface RelateDeps {
  ruleSet: RuleSet;
  store: Pick<IncidentStore, 'ledgers' | 'incidents' | 'deliveries'>;
  claims: ClaimDeps;
  budget: Budget;
  logger: NotifierLogger;
}

/** The recorded relation, deciding it first if nobody has (`firstLook`: only if needed). */
export async function relationOf(
  input: { incident: Incident; rule: Rule; firstLook: () => Promise<Enrichment> },
  deps: RelateDeps,
): Promise<Relation> {
  const { incident } = input;
  const existing = await deps.store.deliveries.get(incident.id, relationKey);
  if (existing?.status !== 'sent') {
    await sendOnce(
      deps.claims,
      { incidentId: incident.id, key: relationKey, bound: RELATE_BOUND, budget: deps.budget },
      async () => encode(await decideRelation(input, deps)),
    );
  }
  const record =
    existing?.status === 'sent' ? existing : await deps.store.deliveries.get(incident.id, relationKey);
  const relation = decode(record?.detail);
  if (relation.kind !== 'none' && !incident.relatedTo) {
    await deps.store.incidents.setRelation(incident.id, {
      kind: relation.kind,
      incidentId: relation.incidentId,
      ruleId: relation.ruleId,
    });
  }
  return relation;
}

async function decideRelation(
  input: { incident: Incident; rule: Rule; firstLook: () => Promise<Enrichment> },
  deps: RelateDeps,
): Promise<Relation> {
  const { incident, rule } = input;
  const at = Date.parse(incident.firstFiredAt);
  const inhibitors = deps.ruleSet.rules.filter((r) => r.inhibits.includes(rule.id));
  for (const other of inhibitors) {
    const span = await openAt(other, incident.test, at, deps);
    if (span) {
      deps.logger.info('incident inhibited: one line in the other thread', {
        incidentId: incident.id,
        by: span.id,
      });
      return { kind: 'inhibited', incidentId: span.id, ruleId: other.id, title: other.title };
    }
  }
  const candidates = deps.ruleSet.rules.filter(
    (r) => r.id !== rule.id && RANK[r.severity] >= RANK[rule.severity],
  );
  if (candidates.length === 0) return { kind: 'none' };
  const look = await input.firstLook();
  const names = look.users.map((u) => u.username);
  const cause = look.rootCauses[0]?.service;
  if (names.length === 0 || cause === undefined || look.status === 'failed') return { kind: 'none' };
  for (const other of candidates) {
    const span = await openAt(other, incident.test, at, deps);
    if (!span) continue;
    const theirs = await deps.store.incidents.get(span.id);
    if (!theirs) continue;
    const known = new Set(theirs.users);
    const shared = names.filter((n) => known.has(n)).length;
    const theirCause = await rootCauseOf(span.id, deps);
    if (shared >= Math.max(1, Math.ceil(names.length * LINK_USER_OVERLAP)) && theirCause === cause) {
      deps.logger.info('incident linked to an open one: one line in its thread', {
        incidentId: incident.id,
        to: span.id,
        shared,
      });
      return { kind: 'linked', incidentId: span.id, ruleId: other.id, title: other.title };
    }
  }
  return { kind: 'none' };
}

/** The rule's incident open at `at` (event time), from its ledger. */
async function openAt(rule: Rule, test: boolean, at: number, deps: RelateDeps): Promise<Span | undefined> {
  const { ledger } = await deps.store.ledgers.get({ ruleId: rule.id, test });
  return ledger.spans.find(
    (s) => s.firstFiredAt <= at && (s.state === 'open' || (s.resolvedAt !== undefined && s.resolvedAt >= at)),
  );
}

async function rootCauseOf(incidentId: string, deps: RelateDeps): Promise<string | undefined> {
  const root = await deps.store.deliveries.get(incidentId, { eventKey: 'incident', channel: 'slack-root' });
  const snapshot = root?.detail?.['snapshot'];
  if (!snapshot) return undefined;
  try {
    const parsed = JSON.parse(snapshot) as { enrichment?: { rootCauses?: Array<{ service?: string }> } };
    return parsed.enrichment?.rootCauses?.[0]?.service;
  } catch {
    return undefined;
  }
}

function encode(relation: Relation): Record<string, string> {
  return relation.kind === 'none'
    ? { kind: 'none' }
    : {
        kind: relation.kind,
        incidentId: relation.incidentId,
        ruleId: relation.ruleId,
        title: relation.title,
      };
}

function decode(detail: Record<string, string> | undefined): Relation {
  const kind = detail?.['kind'];
  if ((kind === 'inhibited' || kind === 'linked') && detail?.['incidentId'] && detail['ruleId']) {
    return {
      kind,
      incidentId: detail['incidentId'],
      ruleId: detail['ruleId'],
      title: detail['title'] ?? detail['ruleId'],
    };
  }
  return { kind: 'none' };
}
