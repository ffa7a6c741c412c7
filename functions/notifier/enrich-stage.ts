/**
 * The enrichment of one event, across as many invocations as it takes (process-event.ts runs
 * it; enrich.ts reads). Its record in the delivery log, per event:
 *
 * | key (event id, …)    | what                                                               |
 * |----------------------|--------------------------------------------------------------------|
 * | `enrichment-read`    | a lease: one invocation reads at a time (duplicates and twins skip) |
 * | `enrichment`         | `reading` + the state to go on from, or `done` + the final result  |
 *
 * | an invocation finds               | it                                                      |
 * |-----------------------------------|---------------------------------------------------------|
 * | no record                         | starts reading the alert's window                       |
 * | `reading`                         | goes on from the saved state (a continuation, a retry   |
 * |                                   | after a crash: what was read after the last save is     |
 * |                                   | read again, never counted twice: state and cursor are   |
 * |                                   | saved together)                                          |
 * | `done`                            | uses the final result; reads nothing                    |
 * | the lease held by another         | reads nothing; shows what the record has                |
 *
 * When a run stops with work left (its deadline, throttling it could not outwait), the state
 * is saved and the caller defers the event (defer.ts): the deferral queue brings it back and
 * the next invocation goes on. The page never waits for any of it.
 */
import type { Rule } from '../../rules/schema';
import type { Deliveries, DeliveryKey } from '../shared/incidents/types';
import type { Alert } from './alert';
import type { Budget } from './budget';
import { LEASE_MARGIN_MS } from './delivery-claim';
import { startEnrichment, type EnrichDeps, type EnrichmentRun } from './enrich';
import type { Enrichment } from './enrichment';
import { enrichmentStateSchema, type EnrichmentState } from './enrichment-state';
import { decodeEnrichment, encodeEnrichment } from './root-view';

/** Kept back from the invocation's budget for the deliveries and records after the reading. */
export const AFTER_READING_RESERVE_MS = 8_000;
/** A continuation waits this long on the deferral queue (SQS delays are whole seconds). */
export const CONTINUE_AFTER_MS = 1_000;

const readKey = (eventId: string): DeliveryKey => ({ eventKey: eventId, channel: 'enrichment-read' });
const stateKey = (eventId: string): DeliveryKey => ({ eventKey: eventId, channel: 'enrichment' });

export interface EnrichStageDeps extends EnrichDeps {
  deliveries: Deliveries;
  owner: string;
}

export type EventEnrichment =
  | { kind: 'reading'; run: EnrichmentRun; finish(): Promise<Finished> }
  | { kind: 'known'; enrichment: Enrichment; done: boolean };

export interface Finished {
  enrichment: Enrichment;
  /** Reading is left for another invocation. */
  continues: boolean;
}

export async function enrichEvent(
  input: { alert: Alert; rule: Rule; incidentId: string; budget: Budget },
  deps: EnrichStageDeps,
): Promise<EventEnrichment> {
  const { alert, rule, incidentId, budget } = input;
  const record = await deps.deliveries.get(incidentId, stateKey(alert.eventId));
  const saved = readRecord(record?.status === 'sent' ? record.detail : undefined);
  if (saved?.phase === 'done') return { kind: 'known', enrichment: saved.enrichment, done: true };

  const readMs = Math.max(
    0,
    Math.min(rule.enrichment.timeBudgetMs, budget.remainingMs() - AFTER_READING_RESERVE_MS),
  );
  const lease = await deps.deliveries.claim(
    incidentId,
    readKey(alert.eventId),
    deps.owner,
    readMs + LEASE_MARGIN_MS,
  );
  if (lease.status !== 'claimed') {
    const known = saved?.enrichment ?? startEnrichment({ alert, rule, deadlineMs: 0 }, deps).current();
    return { kind: 'known', enrichment: known, done: false };
  }
  const run = startEnrichment(
    { alert, rule, resume: saved?.state, deadlineMs: deps.now().getTime() + readMs },
    deps,
  );
  let finishing: Promise<Finished> | undefined;
  return {
    kind: 'reading',
    run,
    finish: () =>
      (finishing ??= (async () => {
        try {
          const enrichment = await run.finished;
          const state = run.state();
          const detail: Record<string, string> = state
            ? { phase: 'reading', state: JSON.stringify(state), enrichment: encodeEnrichment(enrichment) }
            : { phase: 'done', enrichment: encodeEnrichment(enrichment) };
          if (record?.status === 'sent') {
            await deps.deliveries.annotate(incidentId, stateKey(alert.eventId), detail, () => true);
          } else if (
            (await deps.deliveries.complete(incidentId, stateKey(alert.eventId), detail)) !== 'completed'
          ) {
            await deps.deliveries.annotate(incidentId, stateKey(alert.eventId), detail, () => true);
          }
          return { enrichment, continues: state !== undefined };
        } finally {
          await deps.deliveries
            .release(incidentId, readKey(alert.eventId), deps.owner)
            .catch(() => undefined);
        }
      })()),
  };
}

/** The enrichment as it stands: what `enrichEvent` gave, now. */
export function enrichmentNow(e: EventEnrichment): Enrichment {
  return e.kind === 'reading' ? e.run.current() : e.enrichment;
}

type Saved =
  | { phase: 'done'; enrichment: Enrichment }
  | { phase: 'reading'; enrichment: Enrichment | undefined; state: EnrichmentState };

function readRecord(detail: Record<string, string> | undefined): Saved | undefined {
  if (!detail) return undefined;
  try {
    if (detail['phase'] === 'done' && detail['enrichment'])
      return { phase: 'done', enrichment: decodeEnrichment(detail['enrichment']) };
    if (detail['phase'] === 'reading' && detail['state']) {
      return {
        phase: 'reading',
        state: enrichmentStateSchema.parse(JSON.parse(detail['state'])),
        enrichment: detail['enrichment'] ? decodeEnrichment(detail['enrichment']) : undefined,
      };
    }
  } catch {
    // A record we cannot read is started over: reading again costs calls, never correctness.
  }
  return undefined;
}
