import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSqsServer, type SqsServer } from '../../local/sqs-server';
import { matchId } from './commands';
import { parseDlqArgs, runDlq, type DlqDeps } from './main';
import { createTargetResolver } from './target';
import { PLACEHOLDER_CREDENTIALS } from '../../local/sdk-client';

const credentials = PLACEHOLDER_CREDENTIALS;

describe('dlq arguments', () => {
  it.each([
    [['list'], { command: 'list', id: undefined, json: false, dryRun: false }],
    [['list', '--json'], { command: 'list', json: true }],
    [['show', '4f0b1d62'], { command: 'show', id: '4f0b1d62' }],
    [['replay', '--all'], { command: 'replay', id: undefined }],
    [['replay', '4f0b', '--dry-run'], { command: 'replay', id: '4f0b', dryRun: true }],
    [['delete', '4f0b1d62', '--queue-url', 'https://q/1/dlq'], { flags: { queueUrl: 'https://q/1/dlq' } }],
    [['replay', '--all', '--function', 'fn', '--stack', 'S'], { flags: { functionName: 'fn', stack: 'S' } }],
  ])('%j parses', (argv, expected) => {
    expect(parseDlqArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [[], /which command/],
    [['peek'], /unknown command "peek"/],
    [['list', 'x'], /list takes no arguments/],
    [['show'], /show which dead letter/],
    [['replay'], /give its id, or --all/],
    [['replay', 'abcd', '--all'], /an id or --all, not both/],
    [['show', 'abcd', '--all'], /--all goes with replay/],
    [['list', '--dry-run'], /--dry-run goes with replay/],
    [['replay', '--all', '--json'], /--json goes with list or show/],
    [['show', 'ab'], /at least 4 characters/],
    [['show', 'abcd', 'efgh'], /unexpected argument "efgh"/],
    [['list', '--nope'], /^Unknown option '--nope'$/],
    [['list', '--queue-url'], /--queue-url/],
  ])('%j is a usage error', (argv, message) => {
    const parsed = parseDlqArgs(argv);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(message);
  });
});

describe('where the queue and the function are', () => {
  const cfn = mockClient(CloudFormationClient);
  beforeEach(() => cfn.reset());
  const stack = {
    StackName: 'UiaAlerting',
    StackStatus: 'UPDATE_COMPLETE' as const,
    CreationTime: new Date(),
    Outputs: [
      { OutputKey: 'NotifierDeadLetterQueueUrl', OutputValue: 'https://sqs/123/dlq-from-stack' },
      { OutputKey: 'NotifierFunctionName', OutputValue: 'uia-notifier-from-stack' },
    ],
  };
  const resolver = (flags = {}, env = {}) =>
    createTargetResolver({
      flags,
      env,
      cloudFormation: () => new CloudFormationClient({ region: 'us-east-1' }),
    });

  it('takes a flag first, then the environment, and asks no stack when both values are given', async () => {
    const resolve = resolver(
      { queueUrl: 'https://flag' },
      { UIA_DLQ_URL: 'https://env', UIA_NOTIFIER_FUNCTION: 'env-fn' },
    );
    expect(await resolve('queueUrl')).toEqual({ value: 'https://flag', from: '--queue-url' });
    expect(await resolve('functionName')).toEqual({ value: 'env-fn', from: 'UIA_NOTIFIER_FUNCTION' });
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('reads missing values from the deployed stack’s outputs, once', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'UiaAlerting' }).resolves({ Stacks: [stack] });
    const resolve = resolver();
    expect(await resolve('queueUrl')).toEqual({
      value: 'https://sqs/123/dlq-from-stack',
      from: 'stack UiaAlerting output NotifierDeadLetterQueueUrl',
    });
    expect((await resolve('functionName')).value).toBe('uia-notifier-from-stack');
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  it('names every way to give the value when the stack cannot', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Other' }).resolves({ Stacks: [{ ...stack, Outputs: [] }] });
    await expect(resolver({ stack: 'Other' })('functionName')).rejects.toThrow(
      /stack Other has no output NotifierFunctionName; pass --function, set UIA_NOTIFIER_FUNCTION, or deploy/,
    );
    cfn
      .on(DescribeStacksCommand, { StackName: 'Gone' })
      .rejects(Object.assign(new Error('Stack with id Gone does not exist'), { name: 'ValidationError' }));
    await expect(resolver({}, { UIA_STACK: 'Gone' })('queueUrl')).rejects.toThrow(
      /could not read the outputs of stack Gone \(ValidationError: Stack with id Gone does not exist\); pass --queue-url/,
    );
  });
});

describe('dlq exit codes and messages', () => {
  let sqsServer: SqsServer;
  let out: string[];
  let err: string[];
  beforeAll(async () => {
    sqsServer = await startSqsServer({ queues: ['uia-notifier-dlq'] });
  });
  afterAll(async () => sqsServer.close());
  beforeEach(() => {
    out = [];
    err = [];
  });
  const sqs = () =>
    new SQSClient({ endpoint: sqsServer.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const deps = (env: Record<string, string> = {}): DlqDeps => ({
    env: { UIA_DLQ_URL: sqsServer.queueUrl('uia-notifier-dlq'), ...env },
    sqs,
    lambda: () =>
      new LambdaClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials, maxAttempts: 1 }),
    cloudFormation: () => new CloudFormationClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
    now: () => new Date(),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    waitSeconds: 0,
  });

  it('exits 2 with one line and a pointer to --help for bad usage, 0 for --help', async () => {
    expect(await runDlq(['replay'], deps())).toBe(2);
    expect(err.join('\n')).toBe(
      '✗ replay which dead letter? give its id, or --all\n  npm run dlq -- --help lists the commands',
    );
    expect(await runDlq(['--help'], deps())).toBe(0);
    expect(out.join('\n')).toMatch(/^usage: npm run dlq -- <command>/);
  });

  it('lists an empty queue, and exits 1 naming the id it could not find', async () => {
    expect(await runDlq(['list'], deps())).toBe(0);
    expect(out).toEqual(['uia-notifier-dlq: no dead letters']);
    expect(await runDlq(['show', 'abcdef'], deps())).toBe(1);
    expect(err.join('\n')).toMatch(/^✗ no dead letter with id abcdef in uia-notifier-dlq \(0 there now/);
  });

  it('deletes by any unique id prefix and gives back every message it read', async () => {
    const client = sqs();
    for (let i = 0; i < 12; i++) {
      await client.send(
        new SendMessageCommand({ QueueUrl: sqsServer.queueUrl('uia-notifier-dlq'), MessageBody: `m${i}` }),
      );
    }
    const ids = sqsServer.messages('uia-notifier-dlq').map((m) => m.messageId);
    expect(await runDlq(['delete', ids[3]!.slice(0, 8)], deps())).toBe(0);
    expect(out.at(-1)).toMatch(new RegExp(`^deleted ${ids[3]} \\(UnknownFormat`));
    expect(await runDlq(['list'], deps())).toBe(0);
    expect(out.at(-1)).toMatch(/uia-notifier-dlq: 11 dead letters/);
    for (const id of ids.filter((_, i) => i !== 3)) expect(await runDlq(['delete', id], deps())).toBe(0);
    expect(sqsServer.messages('uia-notifier-dlq')).toEqual([]);
  });

  it('exits 1 with the AWS error in one line when the queue cannot be read', async () => {
    expect(await runDlq(['list'], deps({ UIA_DLQ_URL: `${sqsServer.url}/000000000000/missing` }))).toBe(1);
    expect(err.join('\n')).toMatch(
      /^✗ AWS call failed \(.*(NonExistentQueue|QueueDoesNotExist).*\)\n {2}check the credentials/,
    );
  });
});

describe('ids', () => {
  const m = (messageId: string) => ({ messageId });
  const messages = [m('4f0b1d62-aaaa'), m('4f0b9e10-bbbb'), m('7c21d0aa-cccc')];
  it('match by prefix: one, several (ambiguous), none', () => {
    expect(matchId(messages, '4f0b1')).toEqual([messages[0]]);
    expect(matchId(messages, '4f0b')).toEqual([messages[0], messages[1]]);
    expect(matchId(messages, '7c21d0aa-cccc')).toEqual([messages[2]]);
    expect(matchId(messages, 'ffff')).toEqual([]);
  });
});
