/**
 * `npm run dlq -- <command>`: reads and replays the notifier's dead-letter queue.
 * Arguments are parsed with `node:util` parseArgs (strict: an unknown option is an error).
 * Where the queue and the function are: target.ts. What each command does: commands.ts.
 *
 * Exit codes: 0 done; 1 AWS refused, a message was not found, or a replay left something in
 * the queue; 2 bad usage. Every failure is one line starting with ✗, never a stack trace.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { parseArgs } from 'node:util';
import {
  deleteCommand,
  listCommand,
  MIN_ID_CHARS,
  replayCommand,
  showCommand,
  UsageError,
  type Io,
} from './commands';
import { lambdaNotifierInvoker } from './notifier-invoker';
import { sqsDeadLetterQueue } from './queue';
import { InvokeFailedError } from './replay';
import { createTargetResolver, TargetError } from './target';

export const USAGE = `usage: npm run dlq -- <command> [options]

commands
  list                     every dead letter: origin, condition, reason, the event it holds
  show <id>                one dead letter in full (any unique prefix of its id)
  replay <id> | --all      send the original event to the notifier again; delete the dead
                           letter once it is handled (the notifier pages each channel once)
  delete <id>              drop a dead letter without replaying it

options
  --queue-url URL          the dead-letter queue      (else UIA_DLQ_URL, else the stack output)
  --function NAME          the notifier function      (else UIA_NOTIFIER_FUNCTION, else the stack output)
  --stack NAME             stack to read outputs from (else UIA_STACK, else UiaAlerting)
  --json                   list, show: JSON instead of text
  --dry-run                replay: say what would be replayed, change nothing
  -h, --help               this text`;

export interface DlqDeps extends Io {
  env: Readonly<Record<string, string | undefined>>;
  sqs: () => Pick<SQSClient, 'send'>;
  lambda: () => Pick<LambdaClient, 'send'>;
  cloudFormation: () => Pick<CloudFormationClient, 'send'>;
  /** ReceiveMessage WaitTimeSeconds (default 1: a long poll, which asks every SQS server). */
  waitSeconds?: number;
}

interface Parsed {
  command: 'list' | 'show' | 'replay' | 'delete';
  id: string | undefined;
  flags: { queueUrl?: string; functionName?: string; stack?: string };
  json: boolean;
  dryRun: boolean;
}

/** argv → what to do, or the usage problem. */
export function parseDlqArgs(argv: readonly string[]): Parsed | { help: true } | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'queue-url': { type: 'string' },
        function: { type: 'string' },
        stack: { type: 'string' },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // parseArgs' own message, up to its advice on positionals starting with '-'.
    const message = error instanceof Error ? error.message : String(error);
    return { error: message.split('. To specify')[0]!.replace(/\.$/, '') };
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const [command, ...rest] = positionals;
  if (command === undefined) return { error: 'which command? list, show, replay or delete' };
  if (command !== 'list' && command !== 'show' && command !== 'replay' && command !== 'delete') {
    return { error: `unknown command "${command}"` };
  }
  const needsId = command === 'show' || command === 'delete' || (command === 'replay' && !values.all);
  if (command === 'list' && rest.length > 0) return { error: `list takes no arguments (got "${rest[0]}")` };
  if (values.all && command !== 'replay') return { error: '--all goes with replay' };
  if (values.all && rest.length > 0) return { error: 'replay takes an id or --all, not both' };
  if (values['dry-run'] && command !== 'replay') return { error: '--dry-run goes with replay' };
  if (values.json && command !== 'list' && command !== 'show')
    return { error: '--json goes with list or show' };
  if (needsId && rest.length === 0) {
    return {
      error:
        command === 'replay'
          ? 'replay which dead letter? give its id, or --all'
          : `${command} which dead letter? give its id`,
    };
  }
  if (rest.length > 1) return { error: `unexpected argument "${rest[1]}"` };
  const id = rest[0];
  if (id !== undefined && id.length < MIN_ID_CHARS)
    return { error: `give at least ${MIN_ID_CHARS} characters of the id` };
  return {
    command,
    id,
    flags: {
      ...(values['queue-url'] === undefined ? {} : { queueUrl: values['queue-url'] }),
      ...(values.function === undefined ? {} : { functionName: values.function }),
      ...(values.stack === undefined ? {} : { stack: values.stack }),
    },
    json: values.json,
    dryRun: values['dry-run'],
  };
}

export async function runDlq(argv: readonly string[], deps: DlqDeps): Promise<number> {
  const parsed = parseDlqArgs(argv);
  if ('help' in parsed) {
    deps.out(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    deps.err(`✗ ${parsed.error}\n  npm run dlq -- --help lists the commands`);
    return 2;
  }
  const resolve = createTargetResolver({
    flags: parsed.flags,
    env: deps.env,
    cloudFormation: deps.cloudFormation,
  });
  try {
    const queueUrl = await resolve('queueUrl');
    const queue = sqsDeadLetterQueue(deps.sqs(), queueUrl.value, { waitSeconds: deps.waitSeconds ?? 1 });
    switch (parsed.command) {
      case 'list':
        return await listCommand(queue, deps, parsed.json);
      case 'show':
        return await showCommand(queue, parsed.id!, deps, parsed.json);
      case 'delete':
        return await deleteCommand(queue, parsed.id!, deps);
      case 'replay':
        return await replayCommand(
          queue,
          async () => lambdaNotifierInvoker(deps.lambda(), (await resolve('functionName')).value),
          { id: parsed.id, dryRun: parsed.dryRun },
          deps,
        );
    }
  } catch (error) {
    return reportFailure(error, deps);
  }
}

function reportFailure(error: unknown, io: Io): number {
  if (error instanceof UsageError) {
    io.err(`✗ ${error.message}`);
    return 2;
  }
  if (error instanceof TargetError || error instanceof InvokeFailedError) {
    io.err(`✗ ${error.message}`);
    return 1;
  }
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  io.err(
    `✗ AWS call failed (${reason})\n` +
      '  check the credentials and region (AWS_PROFILE, AWS_REGION) and that the role may read the queue; ' +
      'local stand-ins: AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_LAMBDA',
  );
  return 1;
}
