/**
 * Lambda's SQS event source mapping, in-process: receive what is due on a queue (sqs-server.ts,
 * on the injected clock), invoke the function with the event exactly as Lambda builds it, and
 * delete what succeeded.
 *
 * As AWS documents it (docs/aws-sqs.md): a batch of at most `batchSize` records, each with
 * `messageId`, `receiptHandle`, `body`, string `attributes` (`ApproximateReceiveCount`,
 * `SentTimestamp`, `SenderId`, `ApproximateFirstReceiveTimestamp`), `messageAttributes`
 * (`stringValue`, `stringListValues`, `binaryListValues`, `dataType`), `md5OfBody`,
 * `eventSource: "aws:sqs"`, `eventSourceARN`, `awsRegion`. With `ReportBatchItemFailures`
 * the function's `{ batchItemFailures: [{ itemIdentifier }] }` keeps just those records; a
 * function error (or a malformed response) keeps the whole batch. Kept records reappear after
 * the visibility timeout, and the queue's redrive moves them to its dead-letter queue.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { systemAttributes, type SqsMessage, type SqsServer } from './sqs-server';

export interface SqsEventSourceOptions {
  sqs: SqsServer;
  queue: string;
  region?: string;
  /** @default 10 */
  batchSize?: number;
  /** The function; its answer decides which records are deleted. */
  invoke: (event: SQSEvent) => Promise<unknown>;
}

export interface SqsEventSource {
  /** One receive → invoke → delete round; the number of records delivered. */
  poll(): Promise<number>;
  /** Polls until nothing is due now. */
  drain(): Promise<number>;
}

export function sqsRecord(message: SqsMessage, arn: string, region: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? '',
    body: message.body,
    attributes: systemAttributes(message) as unknown as SQSRecord['attributes'],
    messageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, value]) => [
        name,
        {
          stringValue: value,
          stringListValues: [],
          binaryListValues: [],
          dataType: message.attributeTypes[name] ?? 'String',
        },
      ]),
    ),
    md5OfBody: message.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}

export function createSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const region = options.region ?? 'us-east-1';
  const arn = options.sqs.queueArn(options.queue);

  async function poll(): Promise<number> {
    const due = options.sqs.receiveDue(options.queue, options.batchSize ?? 10);
    if (due.length === 0) return 0;
    const event: SQSEvent = { Records: due.map((m) => sqsRecord(m, arn, region)) };
    let failed: Set<string>;
    try {
      failed = failedIds(await options.invoke(event), due);
    } catch {
      failed = new Set(due.map((m) => m.messageId));
    }
    for (const message of due) {
      if (!failed.has(message.messageId) && message.receiptHandle)
        options.sqs.delete(options.queue, message.receiptHandle);
    }
    return due.length;
  }

  return {
    poll,
    async drain() {
      let total = 0;
      for (let n = await poll(); n > 0; n = await poll()) total += n;
      return total;
    },
  };
}

/** Lambda treats a response it cannot read as a failure of the whole batch. */
function failedIds(response: unknown, batch: readonly SqsMessage[]): Set<string> {
  const all = new Set(batch.map((m) => m.messageId));
  if (response === undefined || response === null) return new Set();
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (!Array.isArray(failures)) return new Set();
  const ids = failures.map((f) => f?.itemIdentifier);
  if (ids.some((id) => typeof id !== 'string' || !all.has(id))) return all;
  return new Set(ids as string[]);
}
