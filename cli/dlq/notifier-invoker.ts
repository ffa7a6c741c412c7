/**
 * Sends one original event to the notifier again: a synchronous Lambda `Invoke`
 * (`RequestResponse`) of the deployed function with the event exactly as EventBridge
 * delivered it, so the handler that runs is the one that pages, and the answer says whether
 * it worked. The notifier is idempotent per event id and channel: a channel that already
 * went out is not sent again, so replaying twice pages once.
 *
 * Rejected: `InvocationType: Event` (asynchronous) answers 202 before anything runs, so the
 * CLI could not know when deleting the dead letter is safe; and putting the event back on
 * the bus would page through every other consumer of it too.
 *
 * A synchronous invoke is never retried by Lambda, and its failures never reach the
 * on-failure destination: a failed replay leaves only the dead letter, which is kept.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';

/** What the notifier's handler returns (handle-event.ts), read loosely: it may grow fields. */
export const notifierAnswerSchema = z.looseObject({
  kind: z.string(),
  reason: z.string().optional(),
  change: z.string().optional(),
  duplicate: z.boolean().optional(),
  slack: z.array(z.string()).optional(),
  email: z.string().optional(),
});
export type NotifierAnswer = z.output<typeof notifierAnswerSchema>;

const errorDocumentSchema = z.object({
  errorType: z.string().optional(),
  errorMessage: z.string().optional(),
});

export type InvokeOutcome =
  | { kind: 'answered'; answer: NotifierAnswer | undefined; payload: unknown }
  | { kind: 'function-error'; message: string };

export interface NotifierInvoker {
  readonly functionName: string;
  invoke(event: Record<string, unknown>): Promise<InvokeOutcome>;
}

export function lambdaNotifierInvoker(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
): NotifierInvoker {
  return {
    functionName,
    async invoke(event) {
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(event), 'utf8'),
        }),
      );
      const payload = parsePayload(out.Payload);
      if (out.FunctionError !== undefined) {
        const error = errorDocumentSchema.safeParse(payload);
        const type = error.success ? (error.data.errorType ?? out.FunctionError) : out.FunctionError;
        const message = error.success ? (error.data.errorMessage ?? '') : JSON.stringify(payload);
        return { kind: 'function-error', message: `${type}: ${message}` };
      }
      const answer = notifierAnswerSchema.safeParse(payload);
      return { kind: 'answered', answer: answer.success ? answer.data : undefined, payload };
    },
  };
}

function parsePayload(bytes: Uint8Array | undefined): unknown {
  const text = Buffer.from(bytes ?? []).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
