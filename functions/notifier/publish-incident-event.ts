/**
 * `Incident Updated` events, at least once per incident change: each decision writes the
 * events it owes into the rule ledger's outbox together with the decision itself
 * (functions/shared/incidents/ledger.ts); after the deliveries, `publishPending` puts every
 * pending one on the project bus and drops it from the outbox only once PutEvents accepted
 * it. What fails stays pending: a transient failure fails the invocation retryably (the
 * retry skips every delivery already made and publishes again); a permanent one (no such
 * bus, no permission) is logged and left for the next event of the rule, because it must
 * never fail, and so re-send, a page.
 *
 * An event reads the incident as recorded when it is published, not as it was at the
 * change: consumers get the latest counts and thread link; `change` and `trigger` say what
 * happened. An incident first learnt from its resolution publishes `opened` then `resolved`.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { INCIDENT_UPDATED_DETAIL_TYPE, projectEventSource } from '../../rules/names';
import type { Rule } from '../../rules/schema';
import type { IncidentMeta, IncidentRecords, Outbox, OutboxEntry, RuleKey } from '../shared/incidents/types';
import { errorName, isTransientAwsError } from './aws-errors';
import type { Budget } from './budget';
import { sendOnce, type ClaimDeps, type SendBound } from './delivery-claim';
import { incidentUpdatedDetail, type IncidentUpdatedDetail, type PublishedChange } from './incident-event';
import type { NotifierLogger } from './ports';

export interface IncidentEventPublisher {
  eventBridge: Pick<EventBridgeClient, 'send'>;
  busName: string;
  namePrefix: string;
  logger: NotifierLogger;
}

export async function publishIncidentEvent(
  detail: IncidentUpdatedDetail,
  publisher: IncidentEventPublisher,
  at: Date,
): Promise<boolean> {
  return (await putIncidentEvent(detail, publisher, at)) === 'published';
}

type PutOutcome = 'published' | 'rejected' | 'failed-transient';

async function putIncidentEvent(
  detail: IncidentUpdatedDetail,
  publisher: IncidentEventPublisher,
  at: Date,
): Promise<PutOutcome> {
  const context = { incidentId: detail.incidentId, change: detail.change, bus: publisher.busName };
  try {
    const out = await publisher.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: publisher.busName,
            Source: projectEventSource(publisher.namePrefix),
            DetailType: INCIDENT_UPDATED_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
            Time: at,
          },
        ],
      }),
    );
    const failed = out.Entries?.find((e) => e.ErrorCode !== undefined);
    if ((out.FailedEntryCount ?? 0) > 0 || failed) {
      publisher.logger.error('Incident Updated event rejected; the page is unaffected', {
        ...context,
        errorCode: failed?.ErrorCode,
        errorMessage: failed?.ErrorMessage,
      });
      return failed?.ErrorCode === 'ThrottlingException' || failed?.ErrorCode === 'InternalFailure'
        ? 'failed-transient'
        : 'rejected';
    }
    return 'published';
  } catch (error) {
    publisher.logger.error('Incident Updated event not published; the page is unaffected', {
      ...context,
      error: errorName(error),
    });
    return isTransientAwsError(error) ? 'failed-transient' : 'rejected';
  }
}

export interface PendingDeps {
  outbox: Outbox;
  /** Each event is a claimed delivery of its incident: concurrent drains publish it once. */
  claims: ClaimDeps;
  budget: Budget;
  incidents: Pick<IncidentRecords, 'get'>;
  mirrorPending: (key: RuleKey, meta: IncidentMeta) => Promise<void>;
  rule: (ruleId: string) => Pick<Rule, 'runbookUrl' | 'enrichment'> | undefined;
}

export interface PublishReport {
  published: number;
  /** Left in the outbox. */
  pending: number;
  /** Some failure may pass: worth a retry of the invocation. */
  retryable: boolean;
}

/** Publishes every event the rule's outbox still owes, oldest first. */
export async function publishPending(
  key: RuleKey,
  meta: IncidentMeta,
  deps: PendingDeps,
  publisher: IncidentEventPublisher,
  at: Date,
): Promise<PublishReport> {
  const entries = await deps.outbox.pending(key);
  if (entries.length === 0) return { published: 0, pending: 0, retryable: false };
  let mirrored = false;
  const done: OutboxEntry[] = [];
  let retryable = false;
  let published = 0;
  for (const entry of entries) {
    let incident = await deps.incidents.get(entry.incidentId);
    if ((!incident || (incident.spanVersion ?? 0) < entry.version) && !mirrored) {
      await deps.mirrorPending(key, meta);
      mirrored = true;
      incident = await deps.incidents.get(entry.incidentId);
    }
    const rule = deps.rule(key.ruleId);
    if (!incident || !rule) {
      publisher.logger.error('Incident Updated owed for an unknown incident or rule; dropped', { entry });
      done.push(entry);
      continue;
    }
    let ok = true;
    for (const change of publishedChanges(entry)) {
      const trigger = { ...entry.trigger, changedAt: new Date(entry.trigger.at), links: entry.links };
      const detail = incidentUpdatedDetail({ incident, change, alert: trigger, rule });
      const key = { eventKey: `v${entry.version}#${change}`, channel: 'incident-updated' };
      let outcome = 'published' as PutOutcome;
      const sent = await sendOnce(
        deps.claims,
        { incidentId: entry.incidentId, key, bound: EVENT_SEND, budget: deps.budget },
        async () => {
          outcome = await putIncidentEvent(detail, publisher, at);
          if (outcome !== 'published') throw new NotPublished();
          return {};
        },
      ).catch((error: unknown) => {
        if (error instanceof NotPublished) return 'failed' as const;
        throw error;
      });
      if (sent === 'sent' || sent === 'raced') published++;
      if (sent === 'failed') {
        ok = false;
        retryable ||= outcome === 'failed-transient';
        break;
      }
    }
    if (ok) done.push(entry);
  }
  await deps.outbox.remove(key, done);
  return { published, pending: entries.length - done.length, retryable };
}

/** One PutEvents call, the SDK's retries included. */
const EVENT_SEND: SendBound = { maxMs: 10_000 };

class NotPublished extends Error {}

function publishedChanges(entry: OutboxEntry): PublishedChange[] {
  return entry.change === 'opened-resolved' ? ['opened', 'resolved'] : [entry.change as PublishedChange];
}
