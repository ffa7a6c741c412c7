/**
 * The incident record → what the root shows about responders (templates/slack-actions.ts):
 * acknowledgement, manual resolve, escalations, and the buttons' incident id. Read from the
 * record on every root write, never from the message, so no rewrite can drop it.
 */
import type { Rule } from '../../rules/schema';
import type { RootActionsInput } from '../../templates/slack-actions';
import type { Incident } from '../shared/incidents/model';
import type { Alert } from './alert';

export type RootActionsSource = Pick<
  Incident,
  'id' | 'state' | 'spanVersion' | 'actionsVersion' | 'acknowledgement' | 'manualResolve' | 'escalation'
>;

export function rootActions(
  incident: RootActionsSource,
  rule: Pick<Rule, 'escalation'>,
  alert: Pick<Alert, 'links'>,
): RootActionsInput {
  const { acknowledgement: ack, manualResolve: resolved, escalation } = incident;
  const steps = escalation?.steps ?? [];
  const last = steps[steps.length - 1];
  return {
    incidentId: incident.id,
    state: incident.state,
    versions: { span: incident.spanVersion ?? 0, actions: incident.actionsVersion ?? 0 },
    ...(ack ? { acknowledgement: { by: ack.by, at: new Date(ack.at) } } : {}),
    ...(resolved
      ? {
          manualResolve: {
            by: resolved.by,
            at: new Date(resolved.at),
            stillFiring: resolved.stillFiring,
          },
        }
      : {}),
    ...(last
      ? {
          escalations: {
            steps: steps.length,
            lastAt: new Date(last.at),
            userGroup: rule.escalation?.notify.slackUserGroup,
          },
        }
      : {}),
    tracesUrl: alert.links.traces,
  };
}
