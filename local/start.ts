/**
 * `npm start`. The local end-to-end pipeline (traffic → traces → alarms → notifier → Slack,
 * email, digest) is being built (issue 9); until it lands this prints, plainly, what the
 * rule set would deploy, and says so.
 */
import { ruleSetDefinition } from '../rules';
import { run as check } from '../cli/commands/check';

console.log(
  'NOTE: the local end-to-end pipeline is not built yet; `npm start` currently shows what the rule set would deploy.\n',
);
const code = await check([], { definition: ruleSetDefinition, now: new Date() });
process.exit(code);
