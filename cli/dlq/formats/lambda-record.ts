/**
 * Lambda's invocation record for an asynchronous invocation that failed every attempt or
 * outlived the maximum event age, sent to the on-failure destination (Lambda Developer
 * Guide, "Capturing records of Lambda asynchronous invocations"; sample in
 * docs/dead-letters.md). The original event is `requestPayload`; Lambda drops the payloads
 * from a record too large for the destination.
 *
 * Marker: a JSON body with `requestContext.condition`.
 */
import { z } from 'zod';
import type { DeadLetterReason } from '../types';

export const lambdaRecordSchema = z.object({
  version: z.string(),
  timestamp: z.iso.datetime({ offset: true }),
  requestContext: z.object({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.string(),
    approximateInvokeCount: z.number().int().nonnegative(),
  }),
  requestPayload: z.unknown().optional(),
  responseContext: z
    .object({
      statusCode: z.number().int(),
      executedVersion: z.string().optional(),
      functionError: z.string().optional(),
    })
    .optional(),
  responsePayload: z.unknown().optional(),
});

export type LambdaRecord = z.output<typeof lambdaRecordSchema>;

export function isLambdaRecord(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('requestContext' in body)) return false;
  const context = body.requestContext;
  return typeof context === 'object' && context !== null && 'condition' in context;
}

/** Lambda's error document: `{errorType, errorMessage, trace | stackTrace}` (or a bare string). */
const errorDocumentSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string() });

export function lambdaReason(record: LambdaRecord): DeadLetterReason {
  const { requestContext: context } = record;
  return {
    origin: 'lambda',
    condition: context.condition,
    message: responseMessage(record),
    tries: { count: context.approximateInvokeCount, unit: 'invocations' },
    failedAt: new Date(record.timestamp),
    where: context.functionArn,
  };
}

function responseMessage(record: LambdaRecord): string {
  const document = errorDocumentSchema.safeParse(record.responsePayload);
  const kind = record.responseContext?.functionError;
  if (document.success) {
    const type = document.data.errorType ?? kind ?? 'Error';
    return `${type}: ${document.data.errorMessage}`;
  }
  if (typeof record.responsePayload === 'string') return record.responsePayload;
  if (record.requestContext.condition === 'EventAgeExceeded') {
    return 'the event waited in Lambda’s queue longer than the maximum event age';
  }
  return kind === undefined
    ? 'Lambda recorded no response'
    : `function error (${kind}), no response recorded`;
}

export function lambdaEvent(record: LambdaRecord): { event: unknown } | { problem: string } {
  if (record.requestPayload === undefined) {
    return { problem: 'Lambda dropped the payload from the record (too large for the destination)' };
  }
  return { event: record.requestPayload };
}
