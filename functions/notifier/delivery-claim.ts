/**
 * Send something at most once per (incident, event key, channel) through the delivery log
 * (functions/shared/incidents/deliveries.ts): claim (owner + lease) → send → complete; a
 * failed send releases our claim so the platform's retry sends just that channel again.
 *
 * | claim finds                   | then                                                         |
 * |-------------------------------|--------------------------------------------------------------|
 * | nothing, or an expired lease  | send (told whether an earlier holder may have sent: takeover) |
 * | or a released one             |                                                              |
 * | `sent`                        | `already-sent`                                               |
 * | a live lease of another       | never success: wait for the lease within the budget, polling  |
 * |                               | (it may complete), else RetryableError with the wait left     |
 *
 * The lease is the send's own bound, not the invocation's: each channel declares its longest
 * send (its retries and its last request included, SendBound), the send runs under a budget
 * of at most that, and the lease is that plus a margin. So a claim left by a killed
 * invocation expires within LEASE_MARGIN_MS + the longest bound (30 s), before Lambda's first
 * retry (about a minute later), whatever the function timeout is. delivery-claim.test.ts ties
 * the two.
 *
 * Why not Powertools Idempotency alone: it is all-or-nothing per invocation. An invocation
 * that mailed the page and then failed on Slack deletes its idempotency record, so the retry
 * would mail again; and it cannot say "this channel is done, that one is not".
 *
 * Left open: the channel accepted but the `complete` write failed (or the invocation died in
 * between). The retry then sends again; a duplicate beats a lost page. The thread root is the
 * exception: deliver-slack.ts finds its earlier post before posting again.
 */
import type { ClaimOutcome, Deliveries, DeliveryKey, DeliveryRecord } from '../shared/incidents/types';
import type { Budget } from './budget';
import { RetryableError } from './errors';
import type { Clock, Probe, Sleep } from './ports';

export const LEASE_MARGIN_MS = 5_000;
/** How often a waiting invocation looks again at a claim another one holds. */
export const CLAIM_POLL_MS = 250;

/** The longest one send may take, retries and its last request included. */
export interface SendBound {
  maxMs: number;
}

export const leaseFor = (bound: SendBound): number => bound.maxMs + LEASE_MARGIN_MS;

export interface ClaimDeps {
  deliveries: Deliveries;
  /** This invocation (its request id): only it may release its claims. */
  owner: string;
  now: Clock;
  sleep: Sleep;
  probe: Probe;
}

export interface SendContext {
  /** At most the bound, at most what the invocation has left. */
  budget: Budget;
  /** An earlier holder's lease ran out: it may have sent before it died. */
  takeover: boolean;
  previous: DeliveryRecord | undefined;
}

/** `raced`: we sent, but another holder completed first; its record stands. */
export type ClaimedSendResult = 'sent' | 'already-sent' | 'raced';

export async function sendOnce(
  deps: ClaimDeps,
  target: { incidentId: string; key: DeliveryKey; bound: SendBound; budget: Budget },
  send: (context: SendContext) => Promise<Record<string, string>>,
): Promise<ClaimedSendResult> {
  const { incidentId, key, bound, budget } = target;
  for (;;) {
    const claim = await deps.deliveries.claim(incidentId, key, deps.owner, leaseFor(bound));
    if (claim.status === 'sent') return 'already-sent';
    if (claim.status === 'held') {
      await waitForHolder(deps, claim, budget, `${key.channel} for incident ${incidentId}`);
      continue;
    }
    await deps.probe('claimed', { incidentId, channel: key.channel });
    let detail: Record<string, string>;
    try {
      detail = await send({
        budget: boundBudget(budget, bound, deps.now),
        takeover: claim.takeover,
        previous: claim.previous,
      });
    } catch (error) {
      // If the release fails too, the lease still runs out before Lambda's retry.
      await deps.deliveries.release(incidentId, key, deps.owner).catch(() => undefined);
      throw error;
    }
    await deps.probe('accepted', { incidentId, channel: key.channel });
    return (await deps.deliveries.complete(incidentId, key, detail)) === 'completed' ? 'sent' : 'raced';
  }
}

/**
 * Runs `work` holding a lease on `key` (a lock, never marked sent), so writers of one thing
 * (the root's rewrites) take turns; waits for a holder like `sendOnce`.
 */
export async function withLease<T>(
  deps: ClaimDeps,
  target: { incidentId: string; key: DeliveryKey; bound: SendBound; budget: Budget },
  work: (budget: Budget) => Promise<T>,
): Promise<T> {
  const { incidentId, key, bound, budget } = target;
  for (;;) {
    const claim = await deps.deliveries.claim(incidentId, key, deps.owner, leaseFor(bound));
    if (claim.status !== 'claimed') {
      const leaseUntil = claim.status === 'held' ? claim.leaseUntil : deps.now().getTime();
      await waitForHolder(
        deps,
        { status: 'held', leaseUntil },
        budget,
        `${key.channel} for incident ${incidentId}`,
      );
      continue;
    }
    try {
      return await work(boundBudget(budget, bound, deps.now));
    } finally {
      await deps.deliveries.release(incidentId, key, deps.owner).catch(() => undefined);
    }
  }
}

async function waitForHolder(
  deps: ClaimDeps,
  claim: Extract<ClaimOutcome, { status: 'held' }>,
  budget: Budget,
  what: string,
): Promise<void> {
  const leftMs = claim.leaseUntil - deps.now().getTime();
  const waitMs = Math.max(1, Math.min(CLAIM_POLL_MS, leftMs + 1));
  if (waitMs >= budget.remainingMs() || leftMs >= budget.remainingMs()) {
    throw new RetryableError(
      `${what}: another invocation holds the claim for ${Math.max(0, leftMs)} ms more`,
      {
        retryAfterMs: Math.max(0, leftMs) + 1,
      },
    );
  }
  await deps.sleep(waitMs);
}

/** A budget that ends at whichever comes first: the invocation's, or the send's bound. */
export function boundBudget(budget: Budget, bound: SendBound, now: Clock): Budget {
  const deadline = now().getTime() + bound.maxMs;
  return { remainingMs: () => Math.max(0, Math.min(budget.remainingMs(), deadline - now().getTime())) };
}
