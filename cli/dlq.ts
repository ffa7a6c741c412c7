/**
 * `npm run dlq -- list | show <id> | replay <id>|--all | delete <id>`: the notifier's
 * dead-letter queue, read in one normalised form and replayed idempotently (cli/dlq/).
 * The SDK clients take credentials, region and endpoints from the environment as usual.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { runDlq } from './dlq/main';

runDlq(process.argv.slice(2), {
  env: process.env,
  sqs: () => new SQSClient({}),
  lambda: () => new LambdaClient({}),
  cloudFormation: () => new CloudFormationClient({}),
  now: () => new Date(),
  out: (text) => console.log(text),
  err: (text) => console.error(text),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `✗ unexpected failure: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    process.exit(1);
  },
);
