/**
 * Send something at most once per (incident, event key, channel), with the incident store's
 * conditional writes: claim (with a lease) → send → complete; a failed send releases the
 * claim so the platform's retry sends just that channel again.
 *
 * Why not Powertools Idempotency alone: it is all-or-nothing per invocation. An invocation
 * that mailed the page and then failed on Slack deletes its idempotency record, so the retry
 * would mail again; and it cannot say "this channel is done, that one is not". Records per
 * channel, written only after that channel accepted the message, can.
 *
 * The lease covers the rest of this invocation (plus a margin), so a concurrent twin never
 * takes over a send in flight, while a crashed sender's claim expires before Lambda retries
 * (a minute or more later). Left open: the channel accepted the message but the `complete`
 * write failed. The retry then sends again; a duplicate beats a lost page.
 */
import type { IncidentStore } from '../shared/incidents/store';
import type { Budget } from './budget';
import type { DeliveryKey } from './plan-deliveries';

export const LEASE_MARGIN_MS = 5_000;

export type ClaimedSendResult = 'sent' | 'already-sent' | 'in-progress';

export async function sendOnce(
  store: Pick<IncidentStore, 'claimDelivery' | 'completeDelivery' | 'releaseDelivery'>,
  incidentId: string,
  key: DeliveryKey,
  budget: Budget,
  send: () => Promise<Record<string, string>>,
): Promise<ClaimedSendResult> {
  const leaseMs = budget.remainingMs() + LEASE_MARGIN_MS;
  const claim = await store.claimDelivery(incidentId, key.eventKey, key.channel, leaseMs);
  if (claim === 'sent') return 'already-sent';
  if (claim === 'in-progress') return 'in-progress';
  let detail: Record<string, string>;
  try {
    detail = await send();
  } catch (error) {
    // If the release fails too, the lease still runs out before Lambda's retry.
    await store.releaseDelivery(incidentId, key.eventKey, key.channel).catch(() => undefined);
    throw error;
  }
  await store.completeDelivery(incidentId, key.eventKey, key.channel, detail);
  return 'sent';
}
