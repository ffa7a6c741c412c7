/**
 * Applies one alert to the incident store, exactly once per EventBridge event id:
 * firing/updated → open, attach to, or reopen the rule's incident (alarm and Insight of one
 * rule share it); resolved → clear that source (the incident resolves when none is left);
 * insufficient_data → a note on the open incident, if any.
 *
 * The first processing binds the event id to (incident, change); redeliveries and retries
 * replay that binding instead of applying the event again (event-bindings.ts says why).
 *
 * Store failures (throttling, contention, outages) are RetryableError: the event is fine, the
 * moment was not.
 */
import type { Rule } from '../../rules/schema';
import type { EventBindings } from '../shared/incidents/event-bindings';
import type { Incident } from '../shared/incidents/model';
import type { IncidentStore } from '../shared/incidents/store';
import type { Alert } from './alert';
import { PermanentError, RetryableError } from './errors';
import type { IncidentChange } from './plan-deliveries';

export interface TransitionDeps {
  store: Pick<IncidentStore, 'get' | 'openOrAttach' | 'resolveSource' | 'findCurrent'>;
  bindings: Pick<EventBindings, 'find' | 'bind'>;
  reopenWindowMs: number;
}

export interface Transition {
  incident: Incident | undefined;
  change: IncidentChange;
  /** False when an earlier delivery of this event already applied it (a duplicate or a retry). */
  firstProcessing: boolean;
}

const CHANGES = new Set<string>([
  'opened',
  'attached',
  'reopened',
  'resolved',
  'still-open',
  'already-resolved',
  'no-incident',
  'noted',
]);

export async function applyTransition(
  alert: Alert,
  rule: Pick<Rule, 'id' | 'title' | 'severity'>,
  silenced: boolean,
  deps: TransitionDeps,
): Promise<Transition> {
  return storeCall('incident store', async () => {
    const bound = await deps.bindings.find(alert.eventId);
    if (bound) return replay(bound.incidentId, bound.change, deps, false);

    const applied = await apply(alert, rule, silenced, deps);
    if (!applied.incident) return { ...applied, firstProcessing: true };
    const { binding, created } = await deps.bindings.bind(alert.eventId, {
      incidentId: applied.incident.id,
      change: applied.change,
    });
    // A concurrent twin bound first: follow its decision so both plan the same deliveries.
    return created
      ? { ...applied, firstProcessing: true }
      : replay(binding.incidentId, binding.change, deps, false);
  });
}

async function apply(
  alert: Alert,
  rule: Pick<Rule, 'id' | 'title' | 'severity'>,
  silenced: boolean,
  deps: TransitionDeps,
): Promise<Omit<Transition, 'firstProcessing'>> {
  const test = alert.kind === 'test';
  const at = alert.changedAt;
  switch (alert.state) {
    case 'firing':
    case 'updated': {
      // An `updated` for an incident the store never saw (its firing event was lost) opens one.
      const { incident, change } = await deps.store.openOrAttach(
        {
          ruleId: rule.id,
          severity: rule.severity,
          title: rule.title,
          source: alert.kind,
          at,
          test,
          silenced,
        },
        deps.reopenWindowMs,
      );
      return { incident, change };
    }
    case 'resolved': {
      const { incident, change } = await deps.store.resolveSource(rule.id, alert.kind, at, test);
      // Our own earlier attempt resolved it and died before binding: it is still our resolution.
      const ours = change === 'already-resolved' && incident?.resolvedAt === at.toISOString();
      return { incident, change: ours ? 'resolved' : change };
    }
    case 'insufficient_data': {
      const incident = await deps.store.findCurrent(rule.id, test);
      return incident?.state === 'open'
        ? { incident, change: 'noted' }
        : { incident: undefined, change: 'no-incident' };
    }
  }
}

async function replay(
  incidentId: string,
  change: string,
  deps: TransitionDeps,
  firstProcessing: boolean,
): Promise<Transition> {
  if (!CHANGES.has(change)) {
    throw new PermanentError(`event binding holds an unknown change "${change}" for incident ${incidentId}`);
  }
  const incident = await deps.store.get(incidentId);
  return { incident, change: change as IncidentChange, firstProcessing };
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
