/**
 * The fast half of the interactivity endpoint: decide, within Slack's 3 seconds, whether a
 * request is a genuine click we act on, answer, and hand the work to the slow half
 * (perform.ts) by an asynchronous self-invoke (handler.ts). Every refusal has its HTTP answer,
 * a log line with the reason, and changes nothing.
 *
 * | request                                              | answer | log reason                 | hand-off                 |
 * |------------------------------------------------------|--------|----------------------------|--------------------------|
 * | not a POST                                           | 405    | `not-post`                 | none                     |
 * | signature headers missing / bad timestamp / forged   | 401    | verify-request.ts table    | none                     |
 * | timestamp older (or newer) than 5 minutes            | 401    | `stale-timestamp`          | none                     |
 * | the same signed request again                        | 401    | `replayed`                 | none                     |
 * | body without a Slack `block_actions` payload         | 400    | `not-a-slack-payload`      | none                     |
 * | an action id none of our buttons has                 | 400    | `unknown-action`           | none                     |
 * | the Traces link (Slack opens the URL itself)         | 200    | `link-opened`              | none                     |
 * | incident not found                                   | 200    | `unknown-incident`         | ephemeral notice only    |
 * | Acknowledge / Silence / Resolve on a resolved one    | 200    | `incident-resolved`        | ephemeral notice only    |
 * | user outside the rule's `actions.allowedUserGroups`  | 200    | `not-allowed`              | ephemeral notice only    |
 * | a genuine click                                      | 200    | `accepted`                 | the action               |
 * | the hand-off itself fails                            | 500    | `hand-off-failed`          | — (Slack shows an error; |
 * |                                                      |        |                            | the user clicks again)   |
 *
 * Refusals after verification answer 200: Slack shows any other status to the clicker as a
 * failed request without a reason, while the notice says why (Grafana OnCall does the same).
 * The notice itself is posted by the slow half, so nothing here waits on Slack.
 */
import type { Rule } from '../../rules/schema';
import type { Incident } from '../shared/incidents/model';
import type { Clock, NotifierLogger } from '../notifier/ports';
import { parsePayload, type Interaction } from './payload';
import type { ReplayGuard } from './replay-guard';
import { verifyRequest } from './verify-request';

export interface HttpRequest {
  method: string;
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: string;
}

export interface HttpAnswer {
  statusCode: number;
  body: string;
}

/** What the slow half is given: an action to perform, or a notice to show the clicker. */
export type Job =
  | { kind: 'act'; interaction: Interaction & { incidentId: string }; ruleId: string }
  | { kind: 'notice'; responseUrl: string; text: string; reason: string };

export interface ReceiveDeps {
  signingSecret: () => Promise<string>;
  replay: ReplayGuard;
  incidents: { get(id: string): Promise<Incident | undefined> };
  rule: (ruleId: string) => Rule | undefined;
  /** Members of a Slack user group (usergroups.users.list), cached by the caller. */
  groupMembers: (groupId: string) => Promise<readonly string[]>;
  handOff: (job: Job) => Promise<void>;
  now: Clock;
  logger: NotifierLogger;
}

const answer = (statusCode: number, body = '') => ({ statusCode, body });

export async function receive(request: HttpRequest, deps: ReceiveDeps): Promise<HttpAnswer> {
  const refuse = (statusCode: number, reason: string, extra: Record<string, unknown> = {}) => {
    deps.logger.warn('interactivity request refused', { reason, statusCode, ...extra });
    return answer(statusCode, reason);
  };
  if (request.method.toUpperCase() !== 'POST') return refuse(405, 'not-post', { method: request.method });

  const verdict = verifyRequest(request, await deps.signingSecret(), deps.now());
  if (!verdict.ok) return refuse(401, verdict.reason);
  if (!(await deps.replay.firstSeen(verdict.signature, verdict.timestamp))) return refuse(401, 'replayed');

  const parsed = parsePayload(request.rawBody);
  if (!parsed.ok) return refuse(400, parsed.reason, { detail: parsed.detail });
  const { interaction } = parsed;
  const who = { userId: interaction.user.id, action: interaction.kind };
  if (interaction.kind === 'traces' || interaction.incidentId === undefined) {
    deps.logger.info('interactivity: link opened in the browser; nothing to do', {
      reason: 'link-opened',
      ...who,
    });
    return answer(200);
  }

  const incidentId = interaction.incidentId;
  const notice = async (reason: string, text: string) => {
    deps.logger.warn('interactivity click refused', { reason, incidentId, ...who });
    return handOff(deps, { kind: 'notice', responseUrl: interaction.responseUrl, text, reason });
  };
  const incident = await deps.incidents.get(incidentId);
  const rule = incident && deps.rule(incident.ruleId);
  if (!incident || !rule)
    return notice('unknown-incident', 'This incident no longer exists; nothing was changed.');
  if (incident.state === 'resolved' && interaction.kind !== 'users') {
    return notice('incident-resolved', 'This incident is already resolved; nothing was changed.');
  }
  if (!(await mayAct(rule, interaction.user.id, deps))) {
    const groups = rule.actions.allowedUserGroups.map((g) => `<!subteam^${g}>`).join(', ');
    return notice(
      'not-allowed',
      `Only members of ${groups} may act on this rule’s pages; nothing was changed.`,
    );
  }
  deps.logger.info('interactivity click accepted', { reason: 'accepted', incidentId, ...who });
  return handOff(deps, { kind: 'act', interaction: { ...interaction, incidentId }, ruleId: rule.id });
}

async function mayAct(rule: Rule, userId: string, deps: Pick<ReceiveDeps, 'groupMembers'>): Promise<boolean> {
  const groups = rule.actions.allowedUserGroups;
  if (groups.length === 0) return true;
  for (const group of groups) if ((await deps.groupMembers(group)).includes(userId)) return true;
  return false;
}

async function handOff(deps: ReceiveDeps, job: Job): Promise<HttpAnswer> {
  try {
    await deps.handOff(job);
    return answer(200);
  } catch (error) {
    deps.logger.error('interactivity: could not hand the work off', {
      reason: 'hand-off-failed',
      job: job.kind,
      error: error instanceof Error ? error.name : String(error),
    });
    return answer(500, 'hand-off-failed');
  }
}
