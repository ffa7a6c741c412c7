/**
 * Slack delivery for one event: one thread per incident.
 *
 * - The thread root is per incident. Whichever firing event of the incident claims it first
 *   posts its page as the root; the root's channel id, ts and event id are kept in its
 *   delivery record (the id from the post response: `chat.update` takes ids only).
 * - Every other event replies in the thread; a resolution (or a reopen) also rewrites the
 *   root, so the channel shows the incident's current state without opening the thread.
 * - A twin (or another event of the same incident) that finds the root claimed but not yet
 *   posted waits for it within the budget rather than replying into nothing.
 *
 * Each step is its own delivery record, so a retry after a partial failure (root updated,
 * reply failed) redoes only the failed step. Steps fail independently; the worst failure
 * (retryable over permanent) is thrown after the others ran.
 */
import { z } from 'zod';
import type { SlackMessage } from '../../templates/slack-alert';
import type { Incident } from '../shared/incidents/model';
import type { IncidentStore } from '../shared/incidents/store';
import type { Budget } from './budget';
import { sendOnce } from './delivery-claim';
import { PermanentError, RetryableError } from './errors';
import { deliveryKeys, type SlackPlan } from './plan-deliveries';
import type { NotifierLogger, Sleep } from './ports';
import type { SlackApi } from './slack-api';

/** How often a waiting twin looks for the root another invocation is posting. */
export const ROOT_POLL_MS = 250;

export interface ThreadRoot {
  /** Channel id. */
  channel: string;
  ts: string;
  /** The event whose page is the root. */
  eventId: string;
}

const rootSchema = z.object({
  channel: z.string().min(1),
  ts: z.string().min(1),
  eventId: z.string().min(1),
});

export interface SlackDeliveryInput {
  plan: SlackPlan;
  incident: Pick<Incident, 'id' | 'slack'>;
  eventId: string;
  /** This event's page (enrichment and rendering happen on first use only). */
  page: () => Promise<SlackMessage>;
  /** The root as it should read now: resolved with the incident's duration, or firing again. */
  rootPage: () => Promise<SlackMessage>;
}

export interface SlackDeliveryDeps {
  store: Pick<
    IncidentStore,
    'claimDelivery' | 'completeDelivery' | 'releaseDelivery' | 'delivery' | 'setSlackRoot'
  >;
  slack: SlackApi;
  budget: Budget;
  sleep: Sleep;
  logger: NotifierLogger;
}

export type SlackStep = 'root' | 'root-update' | 'reply';

export interface SlackDeliveryResult {
  root: ThreadRoot | undefined;
  /** Steps this invocation sent (empty for a duplicate). */
  sent: SlackStep[];
}

export async function deliverSlack(
  input: SlackDeliveryInput,
  deps: SlackDeliveryDeps,
): Promise<SlackDeliveryResult> {
  const { plan, incident, eventId } = input;
  const found = plan.ensureRoot
    ? await ensureRoot(input, deps)
    : { root: await currentRoot(incident.id, deps) };
  const { root } = found;
  if (root === undefined) {
    deps.logger.info('no Slack thread for this incident; nothing to reply to', { incidentId: incident.id });
    return { root, sent: [] };
  }
  if (!incident.slack) await deps.store.setSlackRoot(incident.id, { channel: root.channel, rootTs: root.ts });
  // This event's page is the root (posted now or by a twin): there is nothing more to say.
  if (root.eventId === eventId) return { root, sent: 'posted' in found ? ['root'] : [] };

  const sent: SlackStep[] = [];
  const failures: unknown[] = [];
  const step = async (
    name: SlackStep,
    key: { eventKey: string; channel: string },
    send: () => Promise<void>,
  ) => {
    try {
      const outcome = await sendOnce(deps.store, incident.id, key, deps.budget, async () => {
        await send();
        return {};
      });
      if (outcome === 'sent') sent.push(name);
    } catch (error) {
      failures.push(error);
    }
  };
  const callOptions = { budget: deps.budget };
  if (plan.updateRoot) {
    await step('root-update', deliveryKeys.rootUpdate(eventId), async () =>
      deps.slack.update({ channel: root.channel, ts: root.ts, ...(await input.rootPage()) }, callOptions),
    );
  }
  if (plan.reply) {
    await step('reply', deliveryKeys.reply(eventId), async () => {
      await deps.slack.post(
        { channel: root.channel, threadTs: root.ts, ...(await input.page()) },
        callOptions,
      );
    });
  }
  const worst = failures.find((e) => e instanceof RetryableError) ?? failures[0];
  if (worst !== undefined) throw worst;
  return { root, sent };
}

/** The thread root, posted by this event if nobody has; waits for a twin that is posting it. */
async function ensureRoot(
  input: SlackDeliveryInput,
  deps: SlackDeliveryDeps,
): Promise<{ root: ThreadRoot; posted?: true }> {
  const { plan, incident, eventId } = input;
  for (;;) {
    let posted: ThreadRoot | undefined;
    const outcome = await sendOnce(
      deps.store,
      incident.id,
      deliveryKeys.threadRoot,
      deps.budget,
      async () => {
        const message = await input.page();
        const res = await deps.slack.post({ channel: plan.channel, ...message }, { budget: deps.budget });
        posted = { channel: res.channel, ts: res.ts, eventId };
        return { ...posted };
      },
    );
    if (outcome === 'sent' && posted) return { root: posted, posted: true };
    if (outcome === 'already-sent') {
      const root = await currentRoot(incident.id, deps);
      if (root) return { root };
      throw new PermanentError(`incident ${incident.id}: thread root marked sent without channel and ts`);
    }
    if (deps.budget.remainingMs() <= ROOT_POLL_MS) {
      throw new RetryableError(
        `incident ${incident.id}: another invocation is still posting the thread root`,
      );
    }
    await deps.sleep(ROOT_POLL_MS);
  }
}

async function currentRoot(incidentId: string, deps: SlackDeliveryDeps): Promise<ThreadRoot | undefined> {
  const key = deliveryKeys.threadRoot;
  const record = await deps.store.delivery(incidentId, key.eventKey, key.channel);
  if (record?.status !== 'sent') return undefined;
  const parsed = rootSchema.safeParse(record.detail);
  return parsed.success ? parsed.data : undefined;
}
