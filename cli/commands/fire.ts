/**
 * `npm run rules -- fire <rule-id> [--resolve] [--note TEXT]`: puts a synthetic `Test Alert`
 * event for one rule on the default EventBridge bus, so the whole route (EventBridge rule →
 * notifier → Slack thread and email) can be proven without breaking anything. The page is
 * marked TEST and the incident is kept apart from the rule's real ones; `--resolve` closes
 * the test incident again.
 *
 * The source is the project's own (`<prefix>.alerting`): `aws.*` sources are reserved for AWS.
 * Where it goes is the SDK's business: credentials and region from the environment for a
 * deployed stack, `AWS_ENDPOINT_URL_EVENTBRIDGE` for the local pipeline.
 *
 * Exit codes: 0 put, 1 EventBridge refused or could not be reached, 2 bad usage or unknown rule.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ruleSet as shippedRuleSet } from '../../rules';
import { closest } from '../../rules/filter/suggest';
import { projectEventSource, TEST_ALERT_DETAIL_TYPE } from '../../rules/names';
import type { RuleSet } from '../../rules/schema';

/** The notifier's test-alert parser accepts notes up to this length. */
export const MAX_NOTE_LENGTH = 2_000;

const USAGE = 'usage: npm run rules -- fire <rule-id> [--resolve] [--note TEXT]';

export interface FireDeps {
  ruleSet: RuleSet;
  eventBridge: () => Pick<EventBridgeClient, 'send'>;
  now: () => Date;
}

const defaults: FireDeps = {
  ruleSet: shippedRuleSet,
  eventBridge: () => new EventBridgeClient({}),
  now: () => new Date(),
};

export interface FireArgs {
  ruleId: string;
  state: 'firing' | 'resolved';
  note: string | undefined;
}

/** argv → arguments, or the reason they are not usable. */
export function parseFireArgs(argv: readonly string[]): FireArgs | { error: string } {
  let ruleId: string | undefined;
  let state: FireArgs['state'] = 'firing';
  let note: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--resolve') state = 'resolved';
    else if (arg === '--note') {
      note = argv[++i];
      if (note === undefined || note.trim() === '') return { error: '--note needs a text' };
      if (note.length > MAX_NOTE_LENGTH)
        return { error: `--note is longer than ${MAX_NOTE_LENGTH} characters` };
    } else if (arg.startsWith('-')) return { error: `unknown option ${arg}` };
    else if (ruleId === undefined) ruleId = arg;
    else return { error: `unexpected argument "${arg}"` };
  }
  return ruleId === undefined ? { error: 'which rule? give its id' } : { ruleId, state, note };
}

export async function run(argv: string[], deps: FireDeps = defaults): Promise<number> {
  const args = parseFireArgs(argv);
  if ('error' in args) {
    console.error(`✗ ${args.error}\n${USAGE}`);
    return 2;
  }
  const ids = deps.ruleSet.rules.map((r) => r.id);
  if (!ids.includes(args.ruleId)) {
    const near = closest(args.ruleId, ids);
    console.error(
      `✗ unknown rule id "${args.ruleId}"${near !== undefined ? `; did you mean "${near}"?` : ''}` +
        `\n  rules: ${ids.join(', ')}`,
    );
    return 2;
  }

  const detail = {
    ruleId: args.ruleId,
    state: args.state,
    ...(args.note === undefined ? {} : { note: args.note }),
  };
  try {
    const out = await deps.eventBridge().send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'default',
            Source: projectEventSource(deps.ruleSet.namePrefix),
            DetailType: TEST_ALERT_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
            Time: deps.now(),
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || entry?.EventId === undefined) {
      console.error(
        `✗ EventBridge refused the test alert: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
      );
      return 1;
    }
    console.log(
      `✓ TEST alert (${args.state}) for rule ${args.ruleId} put on the default bus: event ${entry.EventId}\n` +
        `  expect a [TEST] page in its Slack channel${args.state === 'firing' ? ' (and email, if the rule mails)' : ''}`,
    );
    return 0;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(
      `✗ could not put the test alert on EventBridge (${reason})\n` +
        '  deployed stack: set AWS credentials and AWS_REGION; local pipeline: set AWS_ENDPOINT_URL_EVENTBRIDGE',
    );
    return 1;
  }
}
