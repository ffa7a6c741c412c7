/**
 * Where the dead letters are and which function replays them. Each value comes from the first
 * of these that has it:
 *
 * | value          | flag            | environment             | deployed stack output (`--stack`, default UiaAlerting) |
 * |----------------|-----------------|-------------------------|---------------------------------------------------------|
 * | queue URL      | `--queue-url`   | `UIA_DLQ_URL`           | `NotifierDeadLetterQueueUrl`                            |
 * | function name  | `--function`    | `UIA_NOTIFIER_FUNCTION` | `NotifierFunctionName`                                  |
 *
 * The stack is asked (CloudFormation `DescribeStacks`, with the SDK's usual credentials and
 * region) only when a value is still missing, so a shell with the two variables set needs no
 * CloudFormation access. Stack name: `--stack`, else `UIA_STACK`, else UiaAlerting.
 */
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ALERTING_STACK_NAME, OUTPUT_KEYS } from '../../infra/outputs';

export interface TargetFlags {
  queueUrl?: string | undefined;
  functionName?: string | undefined;
  stack?: string | undefined;
}

export interface Resolved {
  value: string;
  /** `--queue-url`, `UIA_DLQ_URL`, or `stack UiaAlerting output NotifierDeadLetterQueueUrl`. */
  from: string;
}

/** The stack could not say: the message names every other way to give the value. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
}

export interface TargetSources {
  flags: TargetFlags;
  env: Readonly<Record<string, string | undefined>>;
  cloudFormation: () => Pick<CloudFormationClient, 'send'>;
}

const FIELDS = {
  queueUrl: { flag: '--queue-url', env: 'UIA_DLQ_URL', output: OUTPUT_KEYS.deadLetterQueueUrl },
  functionName: {
    flag: '--function',
    env: 'UIA_NOTIFIER_FUNCTION',
    output: OUTPUT_KEYS.notifierFunctionName,
  },
} as const;

export type TargetField = keyof typeof FIELDS;

export function createTargetResolver(sources: TargetSources): (field: TargetField) => Promise<Resolved> {
  const stackName = sources.flags.stack ?? sources.env.UIA_STACK ?? ALERTING_STACK_NAME;
  let outputs: Promise<Map<string, string>> | undefined;

  const stackOutputs = async () => {
    const out = await sources.cloudFormation().send(new DescribeStacksCommand({ StackName: stackName }));
    return new Map(
      (out.Stacks?.[0]?.Outputs ?? []).flatMap((o) =>
        o.OutputKey !== undefined && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  };

  return async (field) => {
    const spec = FIELDS[field];
    const flag = sources.flags[field];
    if (flag !== undefined && flag !== '') return { value: flag, from: spec.flag };
    const env = sources.env[spec.env];
    if (env !== undefined && env !== '') return { value: env, from: spec.env };
    const ways = `pass ${spec.flag}, set ${spec.env}, or deploy the stack (npm run deploy)`;
    let values: Map<string, string>;
    try {
      values = await (outputs ??= stackOutputs());
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new TargetError(`could not read the outputs of stack ${stackName} (${reason}); ${ways}`, {
        cause: error,
      });
    }
    const value = values.get(spec.output);
    if (value === undefined)
      throw new TargetError(`stack ${stackName} has no output ${spec.output}; ${ways}`);
    return { value, from: `stack ${stackName} output ${spec.output}` };
  };
}
