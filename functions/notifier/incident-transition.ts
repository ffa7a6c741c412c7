/**
 * The "decide" stage: one alert → which incident it belongs to and what changed, decided on
 * the rule's ledger by event time (functions/shared/incidents/decide.ts, its table in the
 * header) and recorded by the store's `apply` (store.ts: ledger, mirrors, binding).
 *
 * The same event id always gets the same answer: a redelivery or retry replays the first
 * decision (event binding, or the ledger's applied list when the binding was not written).
 *
 * Each change the decision makes owes one `Incident Updated` (the outbox, written with the
 * decision); an outage first learnt from its resolution owes two, `opened` then `resolved`.
 *
 * Store failures (throttling, contention, outages) are RetryableError: the event is fine, the
 * moment was not.
 */
import type { Rule } from '../../rules/schema';
import type { SpanChange } from '../shared/incidents/decide';
import type { Applied, IncidentStore } from '../shared/incidents/store';
import type { OutboxEntry } from '../shared/incidents/types';
import type { Alert } from './alert';
import { PermanentError, RetryableError } from './errors';
import { observationOf } from './observation';
import type { Probe } from './ports';

export interface DecideDeps {
  store: Pick<IncidentStore, 'apply'>;
  reopenWindowMs: number;
  /** False: no incident bus, so no events are owed. */
  publishesEvents: boolean;
  probe: Probe;
}

export async function decideIncident(
  alert: Alert,
  rule: Pick<Rule, 'id' | 'title' | 'severity'>,
  silenced: boolean,
  deps: DecideDeps,
): Promise<Applied> {
  const test = alert.kind === 'test';
  const applied = await storeCall('incident store', () =>
    deps.store.apply({
      key: { ruleId: rule.id, test },
      meta: { ruleId: rule.id, severity: rule.severity, title: rule.title, test, silenced },
      observation: observationOf(alert),
      reopenWindowMs: deps.reopenWindowMs,
      outboxEntry: (change) => (deps.publishesEvents ? outboxEntries(change, alert) : undefined),
    }),
  );
  await deps.probe('decided', applied.incidentId === undefined ? {} : { incidentId: applied.incidentId });
  return applied;
}

function outboxEntries(change: SpanChange, alert: Alert): OutboxEntry | undefined {
  const entry = (c: OutboxEntry['change']): OutboxEntry => ({
    incidentId: change.incidentId,
    change: c,
    version: change.version,
    trigger: {
      eventId: alert.eventId,
      kind: alert.kind,
      state: alert.state,
      at: alert.changedAt.toISOString(),
    },
    links: { alarm: alert.links.alarm, insight: alert.links.insight, traces: alert.links.traces },
  });
  switch (change.change) {
    case 'opened':
    case 'attached':
    case 'reopened':
    case 'resolved':
    case 'still-open':
    case 'corrected':
      return entry(change.change);
    case 'opened-resolved':
      // One entry, published as `opened` then `resolved` (publish-incident-event.ts).
      return entry('opened-resolved');
    default:
      return undefined;
  }
}

/** Any store failure but our own PermanentError becomes retryable, keeping the cause. */
export async function storeCall<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof PermanentError || error instanceof RetryableError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    throw new RetryableError(`${what}: ${name}`, { cause: error });
  }
}
