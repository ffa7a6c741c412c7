/**
 * `npm run dlq` end to end, on the real notifier: the local services of `npm start`, the
 * notifier's entry handler in the Lambda runner behind the Lambda Invoke stand-in (real REST
 * protocol), and its dead-letter queue in the SQS stand-in. Each of the three writers puts a
 * dead letter there the way it does in AWS:
 *
 * - the notifier itself: a test alert while the Slack token secret is missing (email sent,
 *   Slack cannot be) → its own record;
 * - Lambda: an alarm, invoked asynchronously, while SNS fails → three invocations (Slack root
 *   posted on the first), then the on-failure invocation record;
 * - EventBridge: an alarm it could not deliver (NO_PERMISSIONS) → the event with attributes
 *   (written here with the SQS client, as EventBridge would).
 *
 * Then: `list` shows the three reasons in one form, `replay --all` pages what is missing
 * exactly once, a second replay (of an empty queue, and of copies of the same dead letters)
 * sends nothing, and two operators replaying at once page once.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDlq, type DlqDeps } from '../../cli/dlq/main';
import { withValue } from '../../functions/notifier/test-support';
import { createLambdaRunner, prepareLambdaEnvironment } from '../../local/lambda-runner';
import { startLambdaServer, type LambdaServer } from '../../local/lambda-server';
import { notifierEnvironment, notifierFunction } from '../../local/pipeline/functions';
import { ACCOUNT, STAGE, startLocalServices, type LocalServices } from '../../local/pipeline/services';
import { ruleSet } from '../../rules';
import { alarmName } from '../../rules/names';
import { alarmEvent, testAlertEvent } from '../notifier/events';
import { PLACEHOLDER_CREDENTIALS } from '../../local/sdk-client';

const credentials = PLACEHOLDER_CREDENTIALS;
const envBefore = { ...process.env };
let svc: LocalServices;
let lambda: LambdaServer;
let sqs: SQSClient;
let invoker: LambdaClient;
let snsDown = false;

beforeAll(async () => {
  svc = await startLocalServices({ ruleSet, duplicates: 1, advanceClock: () => undefined });
  prepareLambdaEnvironment(svc.daemon.address, ACCOUNT.region);
  const runner = createLambdaRunner({
    emit: (document) => svc.emitter.emit(document),
    stage: STAGE,
    logs: () => undefined,
  });
  const notifier = notifierFunction(notifierEnvironment(svc, svc.dynamo.endpoint));
  await runner.warm(notifier);
  sqs = new SQSClient({ endpoint: svc.sqs.url, region: ACCOUNT.region, credentials });
  lambda = await startLambdaServer({
    runner,
    region: ACCOUNT.region,
    account: ACCOUNT.account,
    functions: [
      {
        fn: notifier,
        // Lambda's retries come a minute and two apart; here at once (the stand-in says so).
        async: {
          retryDelaysMs: [0, 0],
          onFailure: async (record) => {
            await sqs.send(
              new SendMessageCommand({
                QueueUrl: svc.names.deadLetterQueueUrl,
                MessageBody: JSON.stringify(record),
              }),
            );
          },
        },
      },
    ],
  });
  invoker = new LambdaClient({ endpoint: lambda.url, region: ACCOUNT.region, credentials, maxAttempts: 1 });
  svc.sns.failNext(
    { code: 'InternalError', status: 500, message: 'injected: SNS is down' },
    { times: 1_000, when: () => snsDown },
  );
}, 60_000);

afterAll(async () => {
  invoker?.destroy();
  sqs?.destroy();
  await lambda?.close();
  await svc?.close();
  for (const key of Object.keys(process.env)) if (!(key in envBefore)) delete process.env[key];
  Object.assign(process.env, envBefore);
});

/** Runs `npm run dlq -- …` in-process against the stand-ins; returns exit code and output. */
async function dlq(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: DlqDeps = {
    env: { UIA_DLQ_URL: svc.names.deadLetterQueueUrl, UIA_NOTIFIER_FUNCTION: 'uia-notifier' },
    sqs: () => new SQSClient({ endpoint: svc.sqs.url, region: ACCOUNT.region, credentials }),
    lambda: () => new LambdaClient({ endpoint: lambda.url, region: ACCOUNT.region, credentials }),
    cloudFormation: () => new CloudFormationClient({ region: ACCOUNT.region, credentials }),
    now: () => new Date(),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    waitSeconds: 0,
  };
  const code = await runDlq(argv, deps);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** As EventBridge delivers to a Lambda target: an asynchronous Invoke. */
async function deliver(event: Record<string, unknown>) {
  const out = await invoker.send(
    new InvokeCommand({
      FunctionName: 'uia-notifier',
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
  expect(out.StatusCode).toBe(202);
  await lambda.idle();
}

/** Our account and region, as EventBridge would stamp them on events in this account. */
const here = (event: Record<string, unknown>) =>
  withValue(
    withValue(withValue(event, ['account'], ACCOUNT.account), ['region'], ACCOUNT.region),
    ['resources'],
    (event.resources as string[]).map((arn) => arn.replace(':123456789012:', `:${ACCOUNT.account}:`)),
  );

const slackRoots = (channel: string) => svc.slack!.messages(channel).length;
const emails = () => svc.sns.published(svc.names.onCallTopicArn).length;
const deadLetters = () => svc.sqs.messages(svc.names.deadLetterQueueName);

const testAlert = here(
  testAlertEvent({
    id: 'a0a0a0a0-0000-4000-8000-00000000000a',
    at: new Date(),
    ruleId: 'registered-user-faults',
    // As `npm run rules -- fire --rule-route --email` sends it: the rule's channel and the email.
    route: 'rule',
    email: true,
  }),
);
const faultAlarm = here(
  alarmEvent({
    id: 'b0b0b0b0-0000-4000-8000-00000000000b',
    at: new Date(),
    from: 'OK',
    to: 'ALARM',
    alarmName: alarmName(ruleSet.namePrefix, 'registered-user-faults'),
  }),
);
const slowAlarm = here(
  alarmEvent({
    id: 'c0c0c0c0-0000-4000-8000-00000000000c',
    at: new Date(),
    from: 'OK',
    to: 'ALARM',
    alarmName: alarmName(ruleSet.namePrefix, 'slow-registered-users'),
  }),
);
let originals: ReturnType<typeof deadLetters> = [];

describe('npm run dlq with the real notifier', () => {
  it('collects one dead letter from each writer: notifier, Lambda, EventBridge', async () => {
    // 1. The notifier's own record: the secret is missing, so Slack can never work; the email goes.
    svc.secrets.failNext(
      {
        type: 'ResourceNotFoundException',
        status: 400,
        message: "Secrets Manager can't find the specified secret.",
      },
      { times: 1 },
    );
    await deliver(testAlert);
    expect(emails()).toBe(1);
    expect(slackRoots('shop-oncall')).toBe(0);

    // 2. Lambda's record: SNS fails on all three invocations; Slack took the root on the first.
    snsDown = true;
    await deliver(faultAlarm);
    snsDown = false;
    expect(lambda.invocations().at(-1)).toMatchObject({ outcome: 'dead-lettered', attempts: 3 });
    expect(slackRoots('shop-oncall')).toBe(1);
    expect(emails()).toBe(1);

    // 3. EventBridge's: it could not invoke the function at all.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: svc.names.deadLetterQueueUrl,
        MessageBody: JSON.stringify(slowAlarm),
        MessageAttributes: Object.fromEntries(
          Object.entries({
            RULE_ARN: `arn:aws:events:${ACCOUNT.region}:${ACCOUNT.account}:rule/uia--alarms`,
            TARGET_ARN: `arn:aws:lambda:${ACCOUNT.region}:${ACCOUNT.account}:function:uia-notifier`,
            ERROR_CODE: 'NO_PERMISSIONS',
            ERROR_MESSAGE: 'User: events.amazonaws.com is not authorized to perform: lambda:InvokeFunction',
            RETRY_ATTEMPTS: '0',
          }).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      }),
    );
    expect(slackRoots('shop-alerts')).toBe(0);
    originals = deadLetters();
    expect(originals).toHaveLength(3);
  });

  it('lists the three reasons in one normalised form, and shows one in full', async () => {
    const list = await dlq('list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      /^uia-notifier-dlq: 3 dead letters \(oldest \d+s ago; SQS deletes the oldest in 14d\)/,
    );
    const rows = list.out.split('\n').filter((line) => /^[0-9a-f]{8} /.test(line));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(
      /notifier +PermanentFailure +- +Test Alert for rule registered-user-faults: firing +slack: .*Slack token secret "uia\/slack-bot-token"/,
    );
    expect(rows[1]).toMatch(
      /lambda +RetriesExhausted +3 invoked +alarm uia--registered-user-faults--trace-count → ALARM +RetryableError: .*email/,
    );
    expect(rows[2]).toMatch(
      /eventbridge +NO_PERMISSIONS +0 retries +alarm uia--slow-registered-users--trace-count → ALARM +User: events\.amazonaws\.com is not authorized/,
    );

    const notifierRecord = await dlq('show', rows[0]!.slice(0, 8));
    expect(notifierRecord.out).toMatch(/reason {5}slack: .* \(done: email sent\)/);

    const lambdaId = rows[1]!.slice(0, 8);
    const show = await dlq('show', lambdaId);
    expect(show.code).toBe(0);
    expect(show.out).toContain('origin     lambda');
    expect(show.out).toContain('condition  RetriesExhausted');
    expect(show.out).toContain('tries      3 invoked');
    expect(show.out).toContain(
      'where      arn:aws:lambda:us-east-1:000000000000:function:uia-notifier:$LATEST',
    );
    expect(show.out).toContain(`event      ${faultAlarm.id as string}  CloudWatch Alarm State Change`);
    expect(show.out).toContain(`replay     npm run dlq -- replay ${lambdaId}`);
    // Reading gave everything back.
    expect((await dlq('list', '--json')).out).toContain('"origin": "eventbridge"');
  });

  it('replay --all pages what is missing exactly once and empties the queue', async () => {
    const replay = await dlq('replay', '--all');
    expect(replay.err).toBe('');
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(
      /✓ [0-9a-f]{8} {2}replayed +Test Alert for rule registered-user-faults: firing: opened: slack root sent \(dead letter deleted\)/,
    );
    expect(replay.out).toMatch(
      /✓ [0-9a-f]{8} {2}replayed +alarm uia--registered-user-faults--trace-count → ALARM: \w+: email sent \(dead letter deleted\)/,
    );
    expect(replay.out).toMatch(
      /✓ [0-9a-f]{8} {2}replayed +alarm uia--slow-registered-users--trace-count → ALARM: opened: slack root sent \(dead letter deleted\)/,
    );
    expect(replay.out).toMatch(
      /replayed 3 \(and 0 copies of them\), parked again 0, failed 0, skipped 0; 0 dead letters left in the queue$/,
    );

    // The TEST root, the real incident's root (posted before SNS failed) and the slow rule's root.
    expect(slackRoots('shop-oncall')).toBe(2);
    expect(slackRoots('shop-alerts')).toBe(1);
    // The test alert's email (sent before), and the incident's email now.
    expect(emails()).toBe(2);
    expect(deadLetters()).toEqual([]);
  });

  it('a second replay does nothing: nothing left, and copies of the same dead letters send nothing', async () => {
    const empty = await dlq('replay', '--all');
    expect(empty.code).toBe(0);
    expect(empty.out).toMatch(/no dead letters: nothing to replay$/);

    // As if the deletes had been lost, or the events dead-lettered twice.
    for (const original of originals) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: svc.names.deadLetterQueueUrl,
          MessageBody: original.body,
          MessageAttributes: Object.fromEntries(
            Object.entries(original.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      );
    }
    const again = await dlq('replay', '--all');
    expect(again.code).toBe(0);
    expect(again.out.match(/already handled, nothing sent again \(dead letter deleted\)/g)).toHaveLength(3);
    expect(slackRoots('shop-oncall')).toBe(2);
    expect(slackRoots('shop-alerts')).toBe(1);
    expect(emails()).toBe(2);
    expect(deadLetters()).toEqual([]);
  });

  it('two operators replaying at once still page once', async () => {
    const drill = here(
      testAlertEvent({
        id: 'd0d0d0d0-0000-4000-8000-00000000000d',
        at: new Date(),
        ruleId: 'slow-registered-users',
        route: 'rule',
      }),
    );
    // The same event dead-lettered twice (EventBridge delivers at least once).
    for (let copy = 0; copy < 2; copy++) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: svc.names.deadLetterQueueUrl,
          MessageBody: JSON.stringify(drill),
          MessageAttributes: {
            RULE_ARN: {
              DataType: 'String',
              StringValue: 'arn:aws:events:us-east-1:000000000000:rule/uia--test-alerts',
            },
            TARGET_ARN: {
              DataType: 'String',
              StringValue: 'arn:aws:lambda:us-east-1:000000000000:function:uia-notifier',
            },
            ERROR_CODE: { DataType: 'String', StringValue: 'THROTTLING' },
            EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: 'MaximumEventAgeInSeconds' },
            RETRY_ATTEMPTS: { DataType: 'String', StringValue: '8' },
          },
        }),
      );
    }
    const before = slackRoots('shop-alerts');
    const [first, second] = await Promise.all([dlq('replay', '--all'), dlq('replay', '--all')]);
    expect([first.code, second.code]).toEqual([0, 0]);
    // Whoever read first holds both copies (hidden from the other) and invokes once.
    expect(`${first.out}\n${second.out}`.match(/✓ [0-9a-f]{8} {2}(replayed|duplicate)/g)).toHaveLength(2);
    expect(slackRoots('shop-alerts')).toBe(before + 1);
    expect(deadLetters()).toEqual([]);
  });

  it('keeps what it cannot replay, says so with exit 1, and deletes it only when told', async () => {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: svc.names.deadLetterQueueUrl, MessageBody: 'hand-written test' }),
    );
    const list = await dlq('list');
    expect(list.out).toMatch(
      /unknown +UnknownFormat +- +\(not replayable\) +not a record this tool knows: "hand-written test"/,
    );
    const replay = await dlq('replay', '--all');
    expect(replay.code).toBe(1);
    expect(replay.out).toMatch(
      /- [0-9a-f]{8} {2}skipped +UnknownFormat: unknown format: replay it by hand .* \(dead letter kept\)/,
    );
    expect(deadLetters()).toHaveLength(1);
    const id = deadLetters()[0]!.messageId;
    expect((await dlq('delete', id.slice(0, 8))).code).toBe(0);
    expect(deadLetters()).toEqual([]);
  });
});
