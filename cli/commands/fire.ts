/**
 * `rules fire <rule-id> [--resolve] [--note TEXT] [--rule-route] [--email]`: puts a
 * synthetic `Test Alert` event for one rule on the test-alert bus (`<prefix>-test-alerts`), so
 * the route (EventBridge rule → notifier → Slack thread and email) can be proven without breaking
 * anything. The page is marked TEST and the incident is kept apart from the rule's real ones;
 * `--resolve` closes the test incident again.
 *
 * Where it pages (functions/notifier/test-alert-route.ts): the rule set's test channel by
 * default; `--rule-route` the rule's own channel; `--email` also the on-call email, when the
 * rule mails on-call. At most `testAlerts.maxPerRulePerHour` per rule and hour page at all.
 *
 * Only the test-alert sender role may put on that bus: run this with its credentials (README
 * "Security and privacy"). The source is the project's own (`<prefix>.alerting`): `aws.*`
 * sources are reserved for AWS. Credentials and region come from the environment (a profile
 * with `role_arn` assumes the role); `AWS_ENDPOINT_URL_EVENTBRIDGE` points at a local bus.
 *
 * Exit codes: 0 put, 1 EventBridge refused or could not be reached, 2 bad usage or unknown rule.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { closest } from '../../rules/filter/suggest';
import {
  projectEventSource,
  TEST_ALERT_DETAIL_TYPE,
  testAlertBusName,
  testAlertSenderRoleName,
} from '../../rules/names';
import type { RuleSet } from '../../rules/schema';
import type { RuleSource } from '../rule-source';

/** The notifier's test-alert parser accepts notes up to this length. */
export const MAX_NOTE_LENGTH = 2_000;

const USAGE = 'usage: rules fire <rule-id> [--resolve] [--note TEXT] [--rule-route] [--email]';

export interface FireDeps {
  ruleSet: RuleSet;
  eventBridge: () => Pick<EventBridgeClient, 'send'>;
  now: () => Date;
}

export function depsFor(source: RuleSource): FireDeps {
  return { ruleSet: source.ruleSet(), eventBridge: () => new EventBridgeClient({}), now: () => new Date() };
}

export interface FireArgs {
  ruleId: string;
  state: 'firing' | 'resolved';
  note: string | undefined;
  /** Page the rule's own Slack channel instead of the test channel. */
  ruleRoute: boolean;
  /** Also mail the on-call topic (only if the rule mails on-call). */
  email: boolean;
}

/** argv → arguments, or the reason they are not usable. */
export function parseFireArgs(argv: readonly string[]): FireArgs | { error: string } {
  let ruleId: string | undefined;
  let state: FireArgs['state'] = 'firing';
  let note: string | undefined;
  let ruleRoute = false;
  let email = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--resolve') state = 'resolved';
    else if (arg === '--rule-route') ruleRoute = true;
    else if (arg === '--email') email = true;
    else if (arg === '--note') {
      note = argv[++i];
      if (note === undefined || note.trim() === '') return { error: '--note needs a text' };
      if (note.length > MAX_NOTE_LENGTH)
        return { error: `--note is longer than ${MAX_NOTE_LENGTH} characters` };
    } else if (arg.startsWith('-')) return { error: `unknown option ${arg}` };
    else if (ruleId === undefined) ruleId = arg;
    else return { error: `unexpected argument "${arg}"` };
  }
  return ruleId === undefined
    ? { error: 'which rule? give its id' }
    : { ruleId, state, note, ruleRoute, email };
}

export async function run(argv: string[], deps: FireDeps): Promise<number> {
  const args = parseFireArgs(argv);
  if ('error' in args) {
    console.error(`✗ ${args.error}\n${USAGE}`);
    return 2;
  }
  const ids = deps.ruleSet.rules.map((r) => r.id);
  const rule = deps.ruleSet.rules.find((r) => r.id === args.ruleId);
  if (rule === undefined) {
    const near = closest(args.ruleId, ids);
    console.error(
      `✗ unknown rule id "${args.ruleId}"${near !== undefined ? `; did you mean "${near}"?` : ''}` +
        `\n  rules: ${ids.join(', ')}`,
    );
    return 2;
  }

  if (args.email && rule.routes.email !== 'immediate') {
    console.error(
      `✗ --email: rule ${rule.id} does not mail on-call (routes.email: ${rule.routes.email}), so a test cannot either`,
    );
    return 2;
  }
  const slack = args.ruleRoute ? rule.routes.slack : deps.ruleSet.testAlerts.slackChannel;
  const detail = {
    ruleId: args.ruleId,
    state: args.state,
    ...(args.note === undefined ? {} : { note: args.note }),
    route: args.ruleRoute ? 'rule' : 'test-channel',
    email: args.email,
  };
  const busName = testAlertBusName(deps.ruleSet.namePrefix);
  try {
    const out = await deps.eventBridge().send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
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
    const where = slack === undefined ? 'no Slack channel (the rule set names no test channel)' : `#${slack}`;
    const mail = args.email && args.state === 'firing' ? ' and the on-call email' : '';
    console.log(
      `✓ TEST alert (${args.state}) for rule ${args.ruleId} put on ${busName}: event ${entry.EventId}\n` +
        `  expect a [TEST] page in ${where}${mail} (at most ${deps.ruleSet.testAlerts.maxPerRulePerHour} per rule per hour)`,
    );
    return 0;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const hint =
      error instanceof Error && error.name === 'AccessDeniedException'
        ? `  only the role ${testAlertSenderRoleName(deps.ruleSet.namePrefix)} may put test alerts: run with its credentials (README "Security and privacy")`
        : '  deployed stack: set AWS credentials and AWS_REGION; local pipeline: set AWS_ENDPOINT_URL_EVENTBRIDGE';
    console.error(`✗ could not put the test alert on EventBridge (${reason})\n${hint}`);
    return 1;
  }
}
