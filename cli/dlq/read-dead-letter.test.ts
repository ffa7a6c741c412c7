import { describe, expect, it } from 'vitest';
import { deadLetterRecord } from '../../functions/notifier/dead-letter';
import { DEFERRED_KIND, type DeferredEvent } from '../../functions/notifier/defer';
import { fixture } from '../../functions/notifier/test-support';
import { readDeadLetter } from './read-dead-letter';
import type { QueuedMessage } from './types';

const alarm = fixture('alarm-threshold');
const sentAt = new Date('2026-03-02T10:05:00Z');

function message(body: unknown, attributes: Record<string, string> = {}): QueuedMessage {
  return {
    messageId: '4f0b1d62-8c3a-4e0f-9a51-0d2f6c7e9b10',
    receiptHandle: 'handle',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes,
    sentAt,
    receiveCount: 1,
  };
}

/** The record as functions/notifier/dead-letter.ts writes it, through JSON like SQS. */
function notifierMessage(event: unknown, reason: string) {
  const record = deadLetterRecord(event, reason, new Date('2026-03-02T10:04:59.120Z'), 'req-7');
  return message(JSON.parse(JSON.stringify(record)), { kind: record.kind, reason });
}

/** Lambda Developer Guide's sample invocation record, with our alarm event as the request. */
const lambdaRecord = {
  version: '1.0',
  timestamp: '2026-03-02T10:08:05.568Z',
  requestContext: {
    requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:uia-notifier:$LATEST',
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  },
  requestPayload: alarm,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: {
    errorType: 'RetryableError',
    errorMessage: 'email: email delivery: InternalError (done: slack root sent)',
    trace: ['RetryableError: email delivery: InternalError'],
  },
};

const eventBridgeAttributes = {
  RULE_ARN: 'arn:aws:events:us-east-1:123456789012:rule/uia--alarms',
  TARGET_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:uia-notifier',
  ERROR_CODE: 'NO_PERMISSIONS',
  ERROR_MESSAGE: 'User is not authorized to perform: lambda:InvokeFunction',
  RETRY_ATTEMPTS: '0',
};

describe('readDeadLetter: one normalised form for the four writers', () => {
  it('reads the notifier’s own record: its reason, and the event to replay', () => {
    const letter = readDeadLetter(
      notifierMessage(alarm, 'slack: Slack token secret "uia/slack-bot-token" not found'),
    );
    expect(letter.reason).toEqual({
      origin: 'notifier',
      condition: 'PermanentFailure',
      message: 'slack: Slack token secret "uia/slack-bot-token" not found',
      tries: undefined,
      failedAt: new Date('2026-03-02T10:04:59.120Z'),
      where: 'notifier request req-7',
    });
    expect(letter.event).toMatchObject({
      id: alarm.id,
      detailType: 'CloudWatch Alarm State Change',
      summary: 'alarm uia--registered-user-faults--trace-count → ALARM',
      value: alarm,
    });
    expect(letter.notReplayable).toBeUndefined();
  });

  it('reads Lambda’s on-failure record: condition, invocations, the error, requestPayload as the event', () => {
    const letter = readDeadLetter(message(lambdaRecord));
    expect(letter.reason).toEqual({
      origin: 'lambda',
      condition: 'RetriesExhausted',
      message: 'RetryableError: email: email delivery: InternalError (done: slack root sent)',
      tries: { count: 3, unit: 'invocations' },
      failedAt: new Date('2026-03-02T10:08:05.568Z'),
      where: 'arn:aws:lambda:us-east-1:123456789012:function:uia-notifier:$LATEST',
    });
    expect(letter.event?.value).toEqual(alarm);
  });

  it('reads an EventAgeExceeded record without a response, and one whose payload Lambda dropped', () => {
    const { responseContext: _c, responsePayload: _p, ...aged } = lambdaRecord;
    const old = readDeadLetter(
      message({ ...aged, requestContext: { ...aged.requestContext, condition: 'EventAgeExceeded' } }),
    );
    expect(old.reason).toMatchObject({
      condition: 'EventAgeExceeded',
      message: 'the event waited in Lambda’s queue longer than the maximum event age',
    });
    expect(old.event?.id).toBe(alarm.id);

    const { requestPayload: _r, ...dropped } = lambdaRecord;
    const big = readDeadLetter(message(dropped));
    expect(big.reason.condition).toBe('RetriesExhausted');
    expect(big.event).toBeUndefined();
    expect(big.notReplayable).toMatch(/Lambda dropped the payload/);
  });

  it('reads EventBridge’s DLQ message: the reason from its attributes, the body as the event', () => {
    const letter = readDeadLetter(message(alarm, eventBridgeAttributes));
    expect(letter.reason).toEqual({
      origin: 'eventbridge',
      condition: 'NO_PERMISSIONS',
      message: 'User is not authorized to perform: lambda:InvokeFunction',
      tries: { count: 0, unit: 'retries' },
      failedAt: undefined,
      where:
        'arn:aws:events:us-east-1:123456789012:rule/uia--alarms → arn:aws:lambda:us-east-1:123456789012:function:uia-notifier',
    });
    expect(letter.event?.value).toEqual(alarm);

    const exhausted = readDeadLetter(
      message(alarm, {
        ...eventBridgeAttributes,
        ERROR_CODE: 'THROTTLING',
        ERROR_MESSAGE: 'Rate exceeded',
        EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds',
        RETRY_ATTEMPTS: '8',
      }),
    );
    expect(exhausted.reason).toMatchObject({
      condition: 'THROTTLING',
      message: 'Rate exceeded (MaximumEventAgeInSeconds)',
      tries: { count: 8, unit: 'retries' },
    });
  });

  it('reads a deferred event SQS moved off the deferral queue: its deferrals, receives, the event to replay', () => {
    const record: DeferredEvent = {
      kind: DEFERRED_KIND,
      event: alarm,
      attempt: 3,
      firstDeferredAt: '2026-03-02T09:50:00.000Z',
      reason: 'slack: rate limited (retry after 60 s)',
    };
    // As SQS moves it: body and message attributes unchanged, the receive count kept.
    const letter = readDeadLetter({
      ...message(record, { kind: DEFERRED_KIND, attempt: '3' }),
      receiveCount: 5,
    });
    expect(letter.reason).toEqual({
      origin: 'deferral',
      condition: 'MaxReceiveCountExceeded',
      message:
        'deferred since 2026-03-02T09:50:00.000Z, then failed on every receive from the deferral queue (last deferral: slack: rate limited (retry after 60 s))',
      tries: { count: 3, unit: 'deferrals' },
      failedAt: undefined,
      where: 'the notifier’s deferral queue',
    });
    expect(letter.event?.id).toBe(alarm.id);
    expect(letter.event?.value).toEqual(alarm);
    expect(letter.notReplayable).toBeUndefined();
    // Told apart by the body alone too (an attribute lost on the way).
    expect(readDeadLetter(message(record)).reason.origin).toBe('deferral');
  });

  it('shows what it cannot read as unknown, with the body, and never offers to replay it', () => {
    const cases: Array<[QueuedMessage, RegExp]> = [
      [message('hello, queue'), /not a record this tool knows: "hello, queue"/],
      [message({ some: 'json' }), /not a record this tool knows/],
      [message({ kind: 'notifier-permanent-failure', event: {} }), /notifier record\.reason/],
      [message({ kind: DEFERRED_KIND, event: alarm }, { kind: DEFERRED_KIND }), /deferred event\.attempt/],
      [message(alarm, { ERROR_CODE: 'THROTTLING' }), /EventBridge attributes\.RULE_ARN/],
      [message({ requestContext: { condition: 'RetriesExhausted' } }), /Lambda invocation record/],
    ];
    for (const [input, reason] of cases) {
      const letter = readDeadLetter(input);
      expect(letter.reason.origin).toBe('unknown');
      expect(letter.reason.condition).toBe('UnknownFormat');
      expect(letter.reason.message).toMatch(reason);
      expect(letter.event).toBeUndefined();
      expect(letter.notReplayable).toMatch(/unknown format/);
      expect(letter.raw.body).toBeDefined();
    }
  });

  it('keeps a readable record that carries no usable event, and says why it is not replayable', () => {
    const truncated = readDeadLetter(notifierMessage({ blob: 'x'.repeat(300 * 1024) }, 'event: too big'));
    expect(truncated.reason.origin).toBe('notifier');
    expect(truncated.notReplayable).toMatch(/kept only its first bytes/);

    const notAnEvent = readDeadLetter(
      notifierMessage('a string', 'event: expected an EventBridge event object'),
    );
    expect(notAnEvent.notReplayable).toMatch(/not an EventBridge event/);

    // The Developer Guide's own sample: its request is not an EventBridge event.
    const sample = readDeadLetter(message({ ...lambdaRecord, requestPayload: { ORDER_IDS: ['9e07af03'] } }));
    expect(sample.reason.origin).toBe('lambda');
    expect(sample.notReplayable).toMatch(/not an EventBridge event/);

    const notJson = readDeadLetter(message('<xml/>', eventBridgeAttributes));
    expect(notJson.reason.condition).toBe('NO_PERMISSIONS');
    expect(notJson.notReplayable).toMatch(/not JSON/);
  });
});
