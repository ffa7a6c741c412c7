/**
 * `rules preview <event.json> [--enrich] [--email]`: the page the notifier would
 * send for one EventBridge event (alarm state change, Insight update or test alert), so a
 * rule's title, runbook, filter and routing can be read before anything reaches AWS.
 *
 * Offline by default: X-Ray is not queried and the page shows "users unknown", exactly as a
 * page whose enrichment failed. `--enrich` queries GetTraceSummaries with the environment's
 * credentials (or `AWS_ENDPOINT_URL_XRAY`). Nothing is delivered and no incident is touched.
 * Relative times ("3 min ago") are computed at the event's own time.
 *
 * Exit codes: 0 a page, 1 the event is ignored (not ours) or malformed, 2 bad usage.
 */
import { XRayClient } from '@aws-sdk/client-xray';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildPage } from '../../functions/notifier/build-page';
import { PermanentError } from '../../functions/notifier/errors';
import type { NotifierLogger } from '../../functions/notifier/ports';
import { messageText } from '../../local/pipeline/slack-text';
import { effectiveSamplingRate } from '../../rules/sampling-rate';
import type { RuleSet } from '../../rules/schema';
import type { RuleSource } from '../rule-source';

const USAGE = 'usage: rules preview <event.json> [--enrich] [--email]';

export interface PreviewDeps {
  ruleSet: RuleSet;
  xray: () => Pick<XRayClient, 'send'>;
}

const OFFLINE_XRAY: Pick<XRayClient, 'send'> = {
  send: async () => {
    throw new Error('offline preview: X-Ray was not queried (pass --enrich to query it)');
  },
};

export function depsFor(source: RuleSource): PreviewDeps {
  return { ruleSet: source.ruleSet(), xray: () => new XRayClient({ maxAttempts: 1 }) };
}

export async function run(argv: string[], deps: PreviewDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { enrich: { type: 'boolean', default: false }, email: { type: 'boolean', default: false } },
    });
  } catch (err) {
    console.error(`✗ ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    console.error(USAGE);
    return 2;
  }
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`✗ cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }

  const notes: string[] = [];
  const logger: NotifierLogger = {
    info: () => undefined,
    warn: (message) => notes.push(message),
    error: (message) => notes.push(message),
  };
  const at = eventTime(event) ?? new Date();
  try {
    const page = await buildPage(event, {
      ruleSet: deps.ruleSet,
      // A preview reads the event as if it came from the deployment's own account (a preview
      // file has no deployment); the account check itself is covered by the notifier's tests.
      eventAccounts: eventAccount(event),
      xray: parsed.values.enrich ? deps.xray() : OFFLINE_XRAY,
      now: () => at,
      sleep: async () => undefined,
      random: Math.random,
      logger,
      samplingRate: effectiveSamplingRate(deps.ruleSet),
    });
    if (page.kind === 'ignored') {
      console.error(`✗ the notifier would ignore this event: ${page.reason}`);
      return 1;
    }
    const channel = page.rule.routes.slack ? `#${page.rule.routes.slack}` : 'no Slack route';
    console.log(`== Slack (${channel}) ==\n${messageText(page.slack)}`);
    if (parsed.values.email || page.rule.routes.email === 'immediate') {
      const route =
        page.rule.routes.email === 'immediate' ? 'on-call topic' : `email route: ${page.rule.routes.email}`;
      console.log(`\n== Email (${route}) ==\nSubject: ${page.email.subject}\n\n${page.email.body}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof PermanentError) {
      console.error(`✗ the notifier would dead-letter this event: ${err.reason}`);
      return 1;
    }
    throw err;
  } finally {
    for (const note of notes) console.error(`note: ${note}`);
  }
}

function eventAccount(event: unknown): string[] {
  const account =
    typeof event === 'object' && event !== null && 'account' in event ? event.account : undefined;
  return typeof account === 'string' ? [account] : [];
}

/** The instant the event describes (EventBridge `time`), so relative times read as at 3 a.m. */
function eventTime(event: unknown): Date | undefined {
  if (typeof event !== 'object' || event === null || !('time' in event)) return undefined;
  const time = Date.parse(String(event.time));
  return Number.isNaN(time) ? undefined : new Date(time);
}
