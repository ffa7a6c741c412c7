/**
 * A second thread root for one incident (a retry that could not find the first post, or two
 * posts racing) is rewritten to this: a pointer to the incident's real thread, so nobody
 * follows a root that will never be updated.
 *
 * The link is Slack's archive permalink (`https://slack.com/archives/<channel>/p<ts without
 * the dot>`), which Slack redirects to the workspace; building it needs no extra API call.
 */
import type { SlackMessage } from './slack-alert';
import { slackLine, slackLink } from './escape';

export interface DuplicateRootInput {
  title: string;
  test: boolean;
  /** The real thread root. */
  channel: string;
  ts: string;
}

export function slackPermalink(channel: string, ts: string): string | undefined {
  if (!/^[A-Z0-9]+$/.test(channel) || !/^\d+\.\d+$/.test(ts)) return undefined;
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

export function renderDuplicateRoot(input: DuplicateRootInput): SlackMessage {
  const prefix = input.test ? '[TEST] ' : '';
  const link = slackLink(slackPermalink(input.channel, input.ts), 'the incident thread');
  const text = `${prefix}Duplicate post for ${slackLine(input.title)}: updates go to ${link}.`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'This message is not updated; follow the thread above.' }],
      },
    ],
  };
}
