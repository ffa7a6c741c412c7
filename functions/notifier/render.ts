/**
 * Alert + rule + enrichment → both channels' messages. The templates are pure; this only
 * adapts the notifier's types to their input (structurally, so tsc checks the fit).
 */
import type { Rule } from '../../rules/schema';
import { renderEmailAlert, type EmailMessage } from '../../templates/email-alert';
import type { PageInput } from '../../templates/page-input';
import type { RootActionsInput } from '../../templates/slack-actions';
import { renderSlackAlert, type SlackMessage } from '../../templates/slack-alert';
import type { Alert } from './alert';
import type { Enrichment } from './enrichment';

export interface RenderedPage {
  slack: SlackMessage;
  email: EmailMessage;
}

export function renderPage(
  alert: Alert,
  rule: Rule,
  enrichment: Enrichment,
  options: {
    now: Date;
    samplingRate?: number | undefined;
    severity?: PageInput['severity'];
    actions?: RootActionsInput | undefined;
  },
): RenderedPage {
  const input: PageInput = {
    alert,
    rule,
    enrichment,
    now: options.now,
    samplingRate: options.samplingRate,
    severity: options.severity,
    actions: options.actions,
  };
  return { slack: renderSlackAlert(input), email: renderEmailAlert(input) };
}
