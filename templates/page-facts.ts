/**
 * The sentences both channels say, derived once so Slack and email never disagree. Everything
 * here is raw text: each renderer cleans and escapes it for its own medium.
 */
import type { Severity } from '../rules/schema';
import { formatCount, formatDuration, formatPercent, formatSince, formatUtc, plural } from './format';
import type { PageEnrichment, PageInput, PageState } from './page-input';

const STATE_LABEL: Record<PageState, string> = {
  firing: 'FIRING',
  updated: 'UPDATED',
  resolved: 'RESOLVED',
  insufficient_data: 'NO DATA',
};

const SEVERITY_LABEL: Record<Severity, string> = { page: 'PAGE', ticket: 'TICKET', info: 'INFO' };

export interface PageFacts {
  isTest: boolean;
  stateLabel: string;
  severityLabel: string;
  /** Why this severity, when decided from the impact: "paged: 14 registered users ≥ 3". */
  severityReason: string | undefined;
  /** "CloudWatch alarm", "X-Ray Insight", "Test alert". */
  source: string;
  /** When it started, and for a resolve how long it lasted. */
  when: string;
  /** "12 registered users and 3 anonymous requests" or "Users unknown (reason)". */
  affected: string;
  /** For subjects: "12 users affected", "users unknown". */
  affectedShort: string;
  /** Caveats: partial enrichment, sampling, unattributed traces, the user cap. */
  notes: string[];
  /** "30 of 1,000 client requests faulted (3%)" for Insights. */
  insightImpact: string | undefined;
  /** "orders-db (AWS::DynamoDB::Table)", "orders-db (AWS::DynamoDB::Table): 42 faulted traces", … */
  rootCauses: string[];
  /** Registered users not listed by name when `shown` are. */
  moreUsers(shown: number): number;
  /** Heading of the users list: "Top affected users", or "Users seen in sampled traces". */
  usersTitle: string;
  /** "+3 more users" or, under sampling, "+3 more users seen": never "that is everyone". */
  moreLabel(count: number): string;
}

export function pageFacts(input: PageInput): PageFacts {
  const { alert, rule, enrichment, now } = input;
  const isTest = alert.kind === 'test';
  return {
    isTest,
    stateLabel: STATE_LABEL[alert.state],
    severityLabel: SEVERITY_LABEL[input.severity?.severity ?? rule.severity],
    severityReason: input.severity?.reason,
    source:
      alert.kind === 'alarm' ? 'CloudWatch alarm' : alert.kind === 'insight' ? 'X-Ray Insight' : 'Test alert',
    when: describeWhen(input),
    affected: describeAffected(enrichment),
    affectedShort: describeAffectedShort(enrichment),
    notes: describeNotes(input),
    insightImpact:
      alert.impact?.client && alert.impact.client.totalCount > 0
        ? `${formatCount(alert.impact.client.faultCount)} of ${plural(alert.impact.client.totalCount, 'client request')} faulted (${formatPercent(alert.impact.client.faultCount / alert.impact.client.totalCount)})`
        : undefined,
    rootCauses: describeRootCauses(input),
    moreUsers: (shown) => Math.max(0, enrichment.distinctUsers - shown),
    usersTitle: sampled(input) ? 'Users seen in sampled traces' : 'Top affected users',
    moreLabel: (count) => `+${plural(count, 'more user')}${sampled(input) ? ' seen' : ''}`,
  };

  function describeWhen(page: PageInput): string {
    const { start, end } = page.alert.window;
    if (page.alert.state === 'resolved' && end !== undefined) {
      return `Resolved ${formatSince(end, now)}; started ${formatUtc(start)}, lasted ${formatDuration(end.getTime() - start.getTime())}`;
    }
    return `Since ${formatSince(start, now)}`;
  }
}

/** Fewer than all requests are traced: the users listed are a sample of those affected. */
function sampled(input: PageInput): boolean {
  const rate = input.samplingRate;
  return rate !== undefined && Number.isFinite(rate) && rate > 0 && rate < 1;
}

/** Still reading and nobody named yet: the page says it is looking, not "0 users". */
function stillFinding(e: PageEnrichment): boolean {
  return (
    e.status === 'partial' &&
    e.progress?.end === 'reading' &&
    e.distinctUsers === 0 &&
    e.anonymousRequests === 0
  );
}

function describeAffected(e: PageEnrichment): string {
  if (e.status === 'failed') return `Users unknown (${e.reason ?? 'enrichment failed'})`;
  if (stillFinding(e)) return 'Finding affected users…';
  const anonymous = plural(e.anonymousRequests, 'anonymous request');
  const prefix = e.status === 'partial' ? 'At least ' : '';
  if (e.estimate) {
    const seen = `${formatCount(e.estimate.seen)} registered ${e.estimate.seen === 1 ? 'user' : 'users'} seen`;
    return `${prefix}${seen}, ${describeEstimate(e.estimate)}; ${anonymous}`;
  }
  const users = `${formatCount(e.distinctUsers)}${e.distinctUsersCapped ? '+' : ''} registered ${e.distinctUsers === 1 && !e.distinctUsersCapped ? 'user' : 'users'}`;
  return `${prefix}${users} and ${anonymous}`;
}

/** "about 190 affected (95 %: 150–240)"; the interval is left out when it is a single number. */
function describeEstimate(estimate: NonNullable<PageEnrichment['estimate']>): string {
  const interval =
    estimate.high > estimate.low ? ` (95 %: ${formatCount(estimate.low)}–${formatCount(estimate.high)})` : '';
  return `about ${formatCount(estimate.estimate)} affected${interval}`;
}

function describeAffectedShort(e: PageEnrichment): string {
  if (e.status === 'failed') return 'users unknown';
  if (stillFinding(e)) return 'finding affected users';
  if (e.estimate)
    return `about ${formatCount(e.estimate.estimate)} users affected (${formatCount(e.estimate.seen)} seen)`;
  return `${e.status === 'partial' ? '>=' : ''}${formatCount(e.distinctUsers)}${e.distinctUsersCapped ? '+' : ''} users affected`;
}

function describeNotes(input: PageInput): string[] {
  const e = input.enrichment;
  const notes: string[] = [];
  if (e.status === 'partial') {
    // While reading, the root is edited in place as users come in; a stopped read says why.
    notes.push(
      e.progress?.end === 'reading'
        ? `Still reading traces (${e.reason ?? 'in progress'}): this page is updated as users are found.`
        : `Partial (${e.reason ?? 'stopped early'}): not every trace was read.`,
    );
  }
  if (e.distinctUsersCapped) {
    notes.push(
      `More distinct users than the notifier counts by name: ${plural(e.overflowRequests, 'further request')} from users beyond the first ${formatCount(e.distinctUsers)}.`,
    );
  }
  if (e.unattributedTraces > 0) {
    notes.push(
      `${plural(e.unattributedTraces, 'trace')} carried no username annotation and could not be attributed to anyone.`,
    );
  }
  const rate = input.samplingRate;
  if (rate !== undefined && sampled(input) && e.estimate) {
    notes.push(
      `Sampled traces (sampling rate ${formatPercent(rate)}): these are the users seen, not everyone affected. ` +
        `The estimate (Chao1, from users seen once and twice) is low if some users were hit far more often than others.`,
    );
  } else if (rate !== undefined && sampled(input)) {
    notes.push(
      `Counts come from sampled traces (sampling rate ${formatPercent(rate)}): real numbers are higher.`,
    );
  }
  return notes;
}

function describeRootCauses(input: PageInput): string[] {
  const fromInsight = input.alert.rootCauseService;
  let insightNamed = false;
  const out = input.enrichment.rootCauses.slice(0, 3).map((cause) => {
    const what = cause.kind === 'responsetime' ? 'slow' : cause.kind === 'error' ? 'errored' : 'faulted';
    const same =
      fromInsight !== undefined && fromInsight.name === cause.service && fromInsight.type === cause.type;
    insightNamed ||= same;
    return `${serviceLabel(cause.service, cause.type)}: ${plural(cause.traces, `${what} trace`)}${same ? ", also the Insight's root cause" : ''}`;
  });
  if (fromInsight && !insightNamed)
    out.unshift(`${serviceLabel(fromInsight.name, fromInsight.type)} (named by the Insight)`);
  return out;
}

function serviceLabel(name: string, type: string | undefined): string {
  return type ? `${name} (${type})` : name;
}
