/**
 * Lambda entry point of the manager digest, run by an EventBridge Scheduler schedule: the text
 * digest to the SNS topic only. Deployed when the rule set names no SES sender; with one, the
 * stack deploys handler-html.ts instead, so this bundle never carries the SES client. Wiring
 * only: runtime.ts builds the dependencies once per container, `runDigest` (run.ts) does the work.
 */
import { digestHandler, digestRuntime } from './runtime';

export const handler = digestHandler(digestRuntime(undefined));
