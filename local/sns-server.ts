/**
 * SNS stand-in for `@aws-sdk/client-sns`, which (3.1169) speaks the AWS Query protocol:
 * a form-encoded POST to `/` with `Action=Publish&Version=2010-03-31&TopicArn=…`, an XML
 * `PublishResponse/PublishResult/MessageId` back, and errors as
 * `ErrorResponse/Error/{Type,Code,Message}` where `Code` is the query error code
 * (`InvalidParameter`, `NotFound`, `Throttled`…) that the SDK maps to its exception
 * class (`InvalidParameterException`, `NotFoundException`, `ThrottledException`…).
 *
 * Publish is validated the way SNS documents it, so a message or subject the real
 * service would refuse fails here too.
 */
import { randomUUID } from 'node:crypto';
import { createFaultQueue, startHttpServer } from './http-server';
import type { FaultOptions, HttpReply, HttpRequest } from './http-server';

/** "at most 256 KB in size (262,144 bytes, not 262,144 characters)". */
export const MAX_MESSAGE_BYTES = 262_144;
/** Subjects "must be less than 100 characters long". */
export const MAX_SUBJECT_CHARS = 99;

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  message: string;
  subject: string | undefined;
  messageStructure: string | undefined;
  attributes: Record<string, { dataType: string; value: string | undefined }>;
  messageGroupId: string | undefined;
  messageDeduplicationId: string | undefined;
  publishedAt: Date;
}

export interface SnsCall {
  action: string;
  params: Record<string, string>;
  status: number;
  errorCode: string | undefined;
}

/**
 * An error the next calls answer with; `code` is the query code (e.g. `Throttled`,
 * `InternalError`). `hang` instead never answers: `before` publishing (a request lost with its
 * caller), or `after` (SNS accepted the message, the caller died before hearing so).
 */
export type SnsFault = { code: string; status: number; message?: string } | { hang: 'before' | 'after' };

const NEVER = new Promise<never>(() => undefined);

export interface SnsServerOptions {
  /** Topic ARNs that exist (see `topicArn()`); publishing elsewhere is `NotFound`. */
  topics?: string[];
  clock?: () => Date;
}

export interface SnsServer {
  url: string;
  close(): Promise<void>;
  addTopic(arn: string): void;
  topics(): string[];
  /** Messages published to a topic, oldest first. */
  published(topicArn: string): PublishedMessage[];
  calls(): SnsCall[];
  failNext(fault: SnsFault, options?: FaultOptions<{ action: string }>): void;
}

export function topicArn(name: string, region = 'us-east-1', account = '000000000000'): string {
  return `arn:aws:sns:${region}:${account}:${name}`;
}

class SnsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startSnsServer(options: SnsServerOptions = {}): Promise<SnsServer> {
  const clock = options.clock ?? (() => new Date());
  const topics = new Map<string, PublishedMessage[]>();
  const calls: SnsCall[] = [];
  const faults = createFaultQueue<SnsFault, { action: string }>();

  function addTopic(arn: string): void {
    if (!TOPIC_ARN.test(arn)) throw new Error(`not a topic ARN: ${arn}`);
    if (!topics.has(arn)) topics.set(arn, []);
  }
  for (const arn of options.topics ?? []) addTopic(arn);

  function publish(params: Record<string, string>): string {
    const arn = params.TopicArn ?? params.TargetArn;
    if (arn === undefined) {
      throw invalid('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    }
    if (!TOPIC_ARN.test(arn)) throw invalid('Invalid parameter: TopicArn');
    const messages = topics.get(arn);
    if (messages === undefined) throw new SnsError('NotFound', 404, 'Topic does not exist');

    const message = params.Message;
    if (message === undefined || message === '') throw invalid('Invalid parameter: Empty message');
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
      throw invalid('Invalid parameter: Message too long');
    }
    const subject = params.Subject;
    if (subject !== undefined && !validSubject(subject)) throw invalid('Invalid parameter: Subject');
    if (params.MessageStructure !== undefined) checkStructure(params.MessageStructure, message);
    const isFifo = arn.endsWith('.fifo');
    if (isFifo !== (params.MessageGroupId !== undefined)) {
      throw invalid(
        isFifo
          ? 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics'
          : 'Invalid parameter: MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type',
      );
    }

    const published: PublishedMessage = {
      messageId: randomUUID(),
      topicArn: arn,
      message,
      subject,
      messageStructure: params.MessageStructure,
      attributes: messageAttributes(params),
      messageGroupId: params.MessageGroupId,
      messageDeduplicationId: params.MessageDeduplicationId,
      publishedAt: clock(),
    };
    messages.push(published);
    return published.messageId;
  }

  function handle(request: HttpRequest): HttpReply | Promise<HttpReply> {
    const params = Object.fromEntries(new URLSearchParams(request.body.toString('utf8')));
    const action = params.Action ?? '';
    const record = (status: number, errorCode?: string) => calls.push({ action, params, status, errorCode });
    try {
      if (request.method !== 'POST') throw new SnsError('InvalidAction', 400, 'Only POST is supported here');
      const fault = faults.take({ action });
      if (fault && 'hang' in fault) {
        if (fault.hang === 'after') publish(params);
        record(0);
        return NEVER;
      }
      if (fault) throw new SnsError(fault.code, fault.status, fault.message ?? fault.code);
      if (action !== 'Publish') {
        throw new SnsError(
          'InvalidAction',
          400,
          `The action ${action || '(none)'} is not valid for this endpoint.`,
        );
      }
      const messageId = publish(params);
      record(200);
      return xml(
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    } catch (error) {
      if (!(error instanceof SnsError)) throw error;
      record(error.status, error.code);
      return xml(
        error.status,
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
          `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
          `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  }

  const server = await startHttpServer(handle);
  return {
    url: server.url,
    close: server.close,
    addTopic,
    topics: () => [...topics.keys()],
    published: (arn) => [...(topics.get(arn) ?? [])],
    calls: () => [...calls],
    failNext: (fault, faultOptions) => faults.add(fault, faultOptions),
  };
}

function invalid(message: string): SnsError {
  return new SnsError('InvalidParameter', 400, message);
}

/**
 * ASCII 32–126 only (so no line breaks or control characters), 1–99 characters, and
 * "begins with a letter, number, or punctuation mark" (not a space).
 */
export function validSubject(subject: string): boolean {
  return subject.length <= MAX_SUBJECT_CHARS && /^[\x21-\x7e][\x20-\x7e]*$/.test(subject);
}

function checkStructure(structure: string, message: string): void {
  if (structure !== 'json') throw invalid('Invalid parameter: MessageStructure');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as Record<string, unknown>).default !== 'string'
  ) {
    throw invalid('Invalid parameter: Message Structure - No default entry in JSON message body');
  }
}

/** Query-encoded `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`. */
function messageAttributes(params: Record<string, string>): PublishedMessage['attributes'] {
  const attributes: PublishedMessage['attributes'] = {};
  for (let n = 1; params[`MessageAttributes.entry.${n}.Name`] !== undefined; n++) {
    const name = params[`MessageAttributes.entry.${n}.Name`] ?? '';
    attributes[name] = {
      dataType: params[`MessageAttributes.entry.${n}.Value.DataType`] ?? 'String',
      value: params[`MessageAttributes.entry.${n}.Value.StringValue`],
    };
  }
  return attributes;
}

function xml(status: number, body: string): HttpReply {
  return { status, headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0"?>\n${body}` };
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
