/**
 * The HTML digest through SES v2 `SendEmail`: one message per 50 recipients (the API's maximum),
 * HTML with the text version as its alternative, from the rule set's verified sender. Only the
 * SES-enabled entry (handler-html.ts) imports this file, so only that bundle carries the client.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { DigestMessage, HtmlDigestSender } from './deliver';

/** SESv2 SendEmail takes at most 50 recipients per message. */
export const SES_MAX_RECIPIENTS = 50;

export function createSesHtmlSender(ses: Pick<SESv2Client, 'send'>, from: string): HtmlDigestSender {
  return {
    from,
    async send(message: DigestMessage, recipients: readonly string[]): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < recipients.length; i += SES_MAX_RECIPIENTS) {
        const out = await ses.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: recipients.slice(i, i + SES_MAX_RECIPIENTS) },
            Content: {
              Simple: {
                Subject: { Data: message.subject, Charset: 'UTF-8' },
                Body: {
                  Html: { Data: message.html, Charset: 'UTF-8' },
                  Text: { Data: message.text, Charset: 'UTF-8' },
                },
              },
            },
          }),
        );
        if (out.MessageId) ids.push(out.MessageId);
      }
      return ids;
    },
  };
}
