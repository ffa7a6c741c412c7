/**
 * What a run must have shown for `npm start` to exit 0. Each check reads the summary only and
 * says, when it fails, exactly what was wrong.
 */
import type { RuleSet } from '../../rules/schema';
import type { Check, RunSummary } from '../summary';

type Facts = Omit<RunSummary, 'checks' | 'ok'>;

/**
 * `chaos`: the counts of threads and emails, and the roots' resolved state, are judged by the
 * chaos invariants instead (local/chaos/invariants.ts), which allow a second root rewritten to
 * point at the thread, an email SNS accepted just before a crash (both counted), and a root
 * first posted after its incident resolved (a sustained 429), which is never "updated".
 */
export function runChecks(summary: Facts, ruleSet: RuleSet, options: { chaos?: boolean } = {}): Check[] {
  const counted = !options.chaos;
  return [
    faultsPaged(summary),
    noFalsePages(summary),
    exactUsers(summary),
    everyAffectedUserNamed(summary),
    allResolved(summary),
    ...(summary.slack.mode === 'local'
      ? [
          ...(counted ? [oneThreadPerIncident(summary, ruleSet)] : []),
          ...(counted ? [rootsResolved(summary)] : []),
          usersInSlack(summary),
        ]
      : []),
    ...(counted ? [emailsPerPagingRule(summary, ruleSet)] : []),
    digestSent(summary),
    nothingDeadLettered(summary),
    forgedTokensAnonymous(summary),
    // Acting from the page (functions/interactivity): the local responder's Acknowledge.
    ...((summary.responder?.clicks ?? 0) > 0 ? [pageAcknowledged(summary, { chaos: !counted })] : []),
  ];
}

/**
 * The responder's click was answered, recorded once, about when it was made, and shown on the
 * root. The responder clicks two minutes after it sees the root; under chaos the root itself may
 * reach Slack minutes after the incident was paged (a Slack 429 burst defers it), so measured
 * from the page only "not before two minutes" holds there.
 */
function pageAcknowledged(s: Facts, options: { chaos: boolean }): Check {
  const problems: string[] = [];
  const { clicks, answered } = s.responder ?? { clicks: 0, answered: 0 };
  if (answered !== clicks) {
    problems.push(`${clicks - answered} of ${clicks} clicks not answered 200`);
  }
  const acked = s.pages.filter((p) => p.acknowledgement);
  // Under chaos the incident may resolve between the click and its slow half, which then
  // changes nothing (functions/interactivity/perform.ts): at most the one clicked.
  if (options.chaos ? acked.length > 1 : acked.length !== 1)
    problems.push(
      `${acked.length} pages acknowledged, want ${options.chaos ? 'at most' : 'exactly'} the one clicked`,
    );
  for (const p of acked) {
    const after = p.acknowledgement?.afterPageMs;
    if (after === undefined || after < 2 * 60_000 || (!options.chaos && after > 3 * 60_000)) {
      problems.push(
        `${p.incidentId}: acknowledged ${after === undefined ? 'without a page' : `${Math.round(after / 1000)} s`} after its page, want ${options.chaos ? 'at least 2 min' : '2–3 min'}`,
      );
    }
    if (p.slack && !p.slack.rootSaysAcknowledged)
      problems.push(`${p.incidentId}: the root does not say "Acknowledged by"`);
  }
  return check('the page acknowledged from Slack is recorded and shown on its root', problems);
}

const check = (name: string, problems: string[]): Check => ({
  name,
  ok: problems.length === 0,
  detail: problems.join('; '),
});

/** Under sampling a page cannot name everyone: it names whom it saw and estimates the rest. */
const sampled = (s: Facts) => s.samplingRate !== undefined && s.samplingRate < 1;

function faultsPaged(s: Facts): Check {
  return check(
    'every fault a rule can see was paged',
    s.faults.filter((f) => f.detectable && f.pages === 0).map((f) => `${f.name}: no page answers it`),
  );
}

function noFalsePages(s: Facts): Check {
  return check(
    'no false pages (every page answers a fault of the scenario)',
    s.pages
      .filter((p) => p.notified && p.faults.length === 0)
      .map((p) => `${p.ruleId} (${p.incidentId}, first fired ${p.firstFiredAt}) answers no fault`),
  );
}

function exactUsers(s: Facts): Check {
  return check(
    sampled(s)
      ? 'pages name only affected users (sampled: not all of them)'
      : 'pages name exactly the affected users (unless truncated)',
    s.pages
      .filter((p) => p.precision < 1 || (!p.truncated && !sampled(s) && p.recall < 1))
      .map(
        (p) =>
          `${p.ruleId}: reported [${p.reportedUsers.slice(0, 10).join(', ')}], expected [${p.trueUsers.slice(0, 10).join(', ')}] ` +
          `(precision ${p.precision}, recall ${p.recall})`,
      ),
  );
}

function everyAffectedUserNamed(s: Facts): Check {
  if (sampled(s)) return check('every affected user is named by a page (not checked: sampled)', []);
  const named = new Set(s.pages.flatMap((p) => p.reportedUsers));
  const expected = new Set(s.pages.flatMap((p) => p.trueUsers));
  const missing = [...expected].filter((u) => !named.has(u)).sort();
  return check(
    'every affected user is named by a page',
    missing.length > 0
      ? [
          `never named: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` (${missing.length} in all)` : ''}`,
        ]
      : [],
  );
}

function allResolved(s: Facts): Check {
  return check(
    'every incident resolved after recovery (unless X-Ray dropped the Insight that would close it)',
    s.pages
      .filter((p) => p.state !== 'resolved' && !p.insightDropped)
      .map((p) => `${p.ruleId} (${p.incidentId}) is still ${p.state}`),
  );
}

function oneThreadPerIncident(s: Facts, ruleSet: RuleSet): Check {
  const problems = s.pages
    // An incident folded into another's thread (inhibited, linked) has no thread of its own.
    .filter((p) => routedToSlack(ruleSet, p.ruleId) && p.slack === undefined && p.relatedTo === undefined)
    .map((p) => `${p.ruleId} (${p.incidentId}) has no Slack thread`);
  const expected: Record<string, number> = {};
  for (const p of s.pages) if (p.slack) expected[p.slack.channel] = (expected[p.slack.channel] ?? 0) + 1;
  for (const [channel, count] of Object.entries(s.slack.topLevelByChannel)) {
    if (count !== (expected[channel] ?? 0)) {
      problems.push(`${channel} has ${count} top-level messages for ${expected[channel] ?? 0} incidents`);
    }
  }
  return check('one Slack thread per incident', problems);
}

function rootsResolved(s: Facts): Check {
  return check(
    'each resolved incident has its root message updated to resolved',
    s.pages
      .filter((p) => p.state === 'resolved' && p.slack && !(p.slack.rootUpdated && p.slack.rootSaysResolved))
      .map(
        (p) =>
          `${p.ruleId}: root ${p.slack?.rootTs} ${p.slack?.rootUpdated ? 'does not say resolved' : 'was never updated'}`,
      ),
  );
}

function usersInSlack(s: Facts): Check {
  return check(
    'reported users appear in the Slack thread',
    s.pages
      .filter((p) => p.slack && p.slack.usersMissingFromText.length > 0)
      .map((p) => `${p.ruleId}: ${p.slack?.usersMissingFromText.join(', ')} not in the thread`),
  );
}

function emailsPerPagingRule(s: Facts, ruleSet: RuleSet): Check {
  const problems: string[] = [];
  for (const rule of ruleSet.rules) {
    // An incident folded into another's thread, or downgraded by its impact, mails nobody.
    const incidents = s.pages.filter(
      (p) =>
        p.ruleId === rule.id &&
        p.relatedTo === undefined &&
        (p.decidedSeverity === undefined || p.decidedSeverity.severity === 'page'),
    ).length;
    const emails = s.emails.byRule[rule.id] ?? 0;
    const expected = rule.routes.email === 'immediate' ? incidents : 0;
    if (emails !== expected)
      problems.push(`${rule.id}: ${emails} emails for ${incidents} incidents (expected ${expected})`);
  }
  if (s.emails.byRule.unknown) problems.push(`${s.emails.byRule.unknown} emails name no rule`);
  return check('one email per incident of each paging rule, none for the others', problems);
}

function digestSent(s: Facts): Check {
  return check(
    'a digest was sent',
    s.digest.present ? [] : [s.digest.error ?? 'nothing published to the digest topic'],
  );
}

function nothingDeadLettered(s: Facts): Check {
  return check(
    'no event ended in the dead-letter queue',
    s.alerts.deadLettered > 0 ? [`${s.alerts.deadLettered} dead-lettered`] : [],
  );
}

function forgedTokensAnonymous(s: Facts): Check {
  const { traced, annotatedAnonymous, annotatedOtherwise } = s.traffic.forged;
  return check(
    'forged tokens are annotated anonymous (every traced one)',
    annotatedAnonymous === traced
      ? []
      : [`${traced - annotatedAnonymous} of ${traced} were not (${annotatedOtherwise.join(', ')})`],
  );
}

function routedToSlack(ruleSet: RuleSet, ruleId: string): boolean {
  return ruleSet.rules.find((r) => r.id === ruleId)?.routes.slack !== undefined;
}
