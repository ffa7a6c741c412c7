/**
 * Lambda entry point of the manager digest when the rule set names an SES sender: the text
 * digest to the SNS topic and the HTML digest through SES. Only this entry imports the SES
 * client (see handler.ts for the text-only one).
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createSesHtmlSender } from './deliver-ses';
import { digestHandler, digestRuntime } from './runtime';

export const handler = digestHandler(
  digestRuntime((from, tracing) => createSesHtmlSender(tracing.captureClient(new SESv2Client({})), from)),
);
