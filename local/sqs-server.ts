/**
 * SQS stand-in for the notifier's dead-letter queue (tests and the local pipeline): `SendMessage` over AWS JSON 1.0
 * (`X-Amz-Target: AmazonSQS.SendMessage`), which `@aws-sdk/client-sqs` 3.1169 speaks, with
 * the body's MD5 the client verifies. Unknown queues answer `QueueDoesNotExist` like SQS.
 * Small on purpose: the notifier only ever sends.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  awsJsonError,
  awsJsonReply,
  createFaultQueue,
  jsonRpcOperation,
  parseJsonObject,
  startHttpServer,
  type FaultOptions,
  type HttpReply,
  type HttpRequest,
} from './http-server';

const JSON_1_0 = 'application/x-amz-json-1.0';

export interface SqsMessage {
  messageId: string;
  body: string;
  attributes: Record<string, string | undefined>;
}

export interface SqsFault {
  type: string;
  status: number;
}

export interface SqsServer {
  url: string;
  queueUrl(name: string): string;
  messages(name: string): SqsMessage[];
  failNext(fault: SqsFault, options?: FaultOptions<{ operation: string }>): void;
  close(): Promise<void>;
}

export async function startSqsServer(options: { queues: string[] }): Promise<SqsServer> {
  const queues = new Map<string, SqsMessage[]>(options.queues.map((q) => [q, []]));
  const faults = createFaultQueue<SqsFault, { operation: string }>();
  let base = '';

  function handle(request: HttpRequest): HttpReply {
    const operation = jsonRpcOperation(request, 'AmazonSQS') ?? '';
    const fault = faults.take({ operation });
    if (fault) return awsJsonError(fault.status, fault.type, 'injected fault', JSON_1_0);
    if (operation !== 'SendMessage') {
      return awsJsonError(400, 'UnsupportedOperation', `${operation} is not supported`, JSON_1_0);
    }
    const body = parseJsonObject(request.body) ?? {};
    const name = String(body.QueueUrl ?? '')
      .split('/')
      .pop();
    const queue = name === undefined ? undefined : queues.get(name);
    if (!queue) {
      return awsJsonError(
        400,
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
        JSON_1_0,
      );
    }
    const text = String(body.MessageBody ?? '');
    const attributes = (body.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>;
    const message: SqsMessage = {
      messageId: randomUUID(),
      body: text,
      attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v.StringValue])),
    };
    queue.push(message);
    return awsJsonReply(
      {
        MessageId: message.messageId,
        MD5OfMessageBody: createHash('md5').update(text, 'utf8').digest('hex'),
      },
      JSON_1_0,
    );
  }

  const server = await startHttpServer(handle);
  base = server.url;
  return {
    url: server.url,
    queueUrl: (name) => `${base}/000000000000/${name}`,
    messages: (name) => [...(queues.get(name) ?? [])],
    failNext: (fault, opts) => faults.add(fault, opts),
    close: server.close,
  };
}
