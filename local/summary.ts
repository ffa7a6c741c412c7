/**
 * What a run did, as `out/summary.json` and as the text printed at the end: traffic, alerts,
 * how long after the fault the first page went out, and for each page (one per incident) the
 * users it named against the ground truth. Built from what the run recorded; the pass/fail
 * checks (local/pipeline/checks.ts) read only this.
 */
import type { Incident } from '../functions/shared/incidents/model';
import type { Rule, RuleSet } from '../rules/schema';
import type { PublishedMessage } from './sns-server';
import type { SlackMessage } from './slack-server';
import { expectedUsers, score } from './pipeline/ground-truth';
import { messageText } from './pipeline/slack-text';
import type { GroundTruth } from './scenario/population';
import type { PhaseWindow } from './scenario/plan';

export interface TrafficTally {
  requests: number;
  byShopper: Record<'registered' | 'anonymous' | 'forger', number>;
  /** 2xx / 4xx / 5xx as the client saw them. */
  byStatus: Record<'2xx' | '4xx' | '5xx', number>;
  /** Requests over 3 s (virtual). */
  slow: number;
  forged: { sent: number; annotatedAnonymous: number; annotatedOtherwise: string[] };
}

export interface EventRecord {
  id: string;
  detailType: string;
  time: string;
  /** Alarm name or group name. */
  subject: string;
  /** Alarm state or Insight state. */
  state: string;
  deliveries: number;
  deadLettered: number;
}

export interface SlackThreadRecord {
  channel: string;
  rootTs: string;
  messages: SlackMessage[];
}

export interface RunRecord {
  scenario: string;
  seed: number;
  duplicates: number;
  ruleSet: RuleSet;
  phases: PhaseWindow[];
  truth: GroundTruth;
  slowMs: number;
  traffic: TrafficTally;
  events: EventRecord[];
  /** Events the notifier itself parked in its dead-letter queue (permanent failures). */
  notifierDeadLetters: number;
  incidents: Incident[];
  slack:
    | { mode: 'local'; threads: Map<string, SlackThreadRecord>; topLevelByChannel: Record<string, number> }
    | { mode: 'real' };
  /** Messages on the on-call topic (immediate emails). */
  emails: PublishedMessage[];
  digest: { subject: string | undefined; text: string | undefined; html: string | undefined; error?: string };
  wallMs: number;
}

export interface PageSummary {
  incidentId: string;
  ruleId: string;
  severity: Incident['severity'];
  /** What fed the incident: `alarm`, `insight`, or both joined with `+`. */
  kind: string;
  state: Incident['state'];
  reportedUsers: string[];
  trueUsers: string[];
  precision: number;
  recall: number;
  /** The stored list hit its bound, or the page had to leave users out. */
  truncated: boolean;
  /** Enrichment was cut short (time budget, throttling) at some point of the incident. */
  partial: boolean;
  firstFiredAt: string;
  pagedAt: string | undefined;
  resolvedAt: string | undefined;
  slack:
    | {
        channel: string;
        rootTs: string;
        replies: number;
        rootUpdated: boolean;
        rootSaysResolved: boolean;
        /** Reported users missing from the root and replies' text. */
        usersMissingFromText: string[];
      }
    | undefined;
  emails: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunSummary {
  scenario: string;
  seed: number;
  duplicates: number;
  wallSeconds: number;
  virtual: { start: string; faultStart: string; faultEnd: string; end: string };
  traffic: TrafficTally;
  groundTruth: { failing: string[]; slow: string[] };
  alerts: {
    events: number;
    byType: Record<string, number>;
    deliveries: number;
    /** Events that ended in a dead-letter queue: the bus's (retries exhausted) or the notifier's. */
    deadLettered: number;
  };
  /** Virtual milliseconds from the fault's start to the first page sent. */
  firstPageAfterFaultMs: number | undefined;
  pages: PageSummary[];
  emails: { total: number; byRule: Record<string, number> };
  slack: { mode: 'local' | 'real'; threads: number; topLevelByChannel: Record<string, number> };
  digest: { present: boolean; subject: string | undefined; error: string | undefined };
  checks: Check[];
  ok: boolean;
}

/** `Rule <id> (owner …)` is the last line of every alert email (templates/email-alert.ts). */
export function emailRuleId(body: string): string | undefined {
  return /^Rule (\S+) \(owner /m.exec(body)?.[1];
}

export function buildSummary(record: RunRecord): Omit<RunSummary, 'checks' | 'ok'> {
  const fault = record.phases.find((p) => p.name === 'fault');
  const emailsByRule: Record<string, number> = {};
  for (const email of record.emails) {
    const ruleId = emailRuleId(email.message) ?? 'unknown';
    emailsByRule[ruleId] = (emailsByRule[ruleId] ?? 0) + 1;
  }
  const pages = record.incidents
    .map((incident) => pageSummary(incident, record, emailsByRule))
    .sort((a, b) => a.firstFiredAt.localeCompare(b.firstFiredAt) || a.ruleId.localeCompare(b.ruleId));
  const pagedAt = pages.flatMap((p) => (p.pagedAt ? [Date.parse(p.pagedAt)] : []));
  const byType: Record<string, number> = {};
  for (const event of record.events) byType[event.detailType] = (byType[event.detailType] ?? 0) + 1;
  return {
    scenario: record.scenario,
    seed: record.seed,
    duplicates: record.duplicates,
    wallSeconds: Math.round(record.wallMs / 100) / 10,
    virtual: {
      start: iso(record.phases[0]?.startMs),
      faultStart: iso(fault?.startMs),
      faultEnd: iso(fault?.endMs),
      end: iso(record.phases.at(-1)?.endMs),
    },
    traffic: record.traffic,
    groundTruth: {
      failing: record.truth.failing.map((u) => u.username).sort(),
      slow: record.truth.slow.map((u) => u.username).sort(),
    },
    alerts: {
      events: record.events.length,
      byType,
      deliveries: record.events.reduce((sum, e) => sum + e.deliveries, 0),
      deadLettered: record.events.reduce((sum, e) => sum + e.deadLettered, 0) + record.notifierDeadLetters,
    },
    firstPageAfterFaultMs:
      fault && pagedAt.length > 0 ? Math.max(0, Math.min(...pagedAt) - fault.startMs) : undefined,
    pages,
    emails: { total: record.emails.length, byRule: emailsByRule },
    slack:
      record.slack.mode === 'local'
        ? {
            mode: 'local',
            threads: record.slack.threads.size,
            topLevelByChannel: record.slack.topLevelByChannel,
          }
        : { mode: 'real', threads: 0, topLevelByChannel: {} },
    digest: {
      present: record.digest.text !== undefined,
      subject: record.digest.subject,
      error: record.digest.error,
    },
  };
}

function pageSummary(
  incident: Incident,
  record: RunRecord,
  emailsByRule: Record<string, number>,
): PageSummary {
  const rule: Rule | undefined = record.ruleSet.rules.find((r) => r.id === incident.ruleId);
  const trueUsers = rule
    ? expectedUsers(
        rule,
        incident.sources.filter((s) => s !== 'test'),
        record.truth,
        record.slowMs,
      )
    : [];
  const reportedUsers = [...incident.users].sort();
  const { precision, recall } = score(reportedUsers, trueUsers);
  const thread =
    record.slack.mode === 'local' && incident.slack
      ? record.slack.threads.get(threadKey(incident.slack.channel, incident.slack.rootTs))
      : undefined;
  const threadText = thread?.messages.map(messageText).join('\n') ?? '';
  const root = thread?.messages[0];
  return {
    incidentId: incident.id,
    ruleId: incident.ruleId,
    severity: incident.severity,
    kind: [...incident.sources].sort().join('+'),
    state: incident.state,
    reportedUsers,
    trueUsers,
    precision,
    recall,
    truncated: incident.usersTruncated || incident.impact.affectedUsers > incident.users.length,
    partial: incident.impact.partial,
    firstFiredAt: incident.firstFiredAt,
    pagedAt: incident.pagedAt,
    resolvedAt: incident.resolvedAt,
    slack:
      thread && root
        ? {
            channel: thread.channel,
            rootTs: thread.rootTs,
            replies: thread.messages.length - 1,
            rootUpdated: root.updates > 0,
            rootSaysResolved: /\bRESOLVED\b/.test(messageText(root)),
            usersMissingFromText: reportedUsers.filter((u) => !threadText.includes(u)),
          }
        : undefined,
    emails: emailsByRule[incident.ruleId] ?? 0,
  };
}

export function threadKey(channel: string, rootTs: string): string {
  return `${channel}/${rootTs}`;
}

function iso(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}

const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;

/** The end-of-run text: figures first, then one block per page, then the checks. */
export function formatSummary(summary: RunSummary): string {
  const t = summary.traffic;
  const lines = [
    `Run: scenario ${summary.scenario}, seed ${summary.seed}${summary.duplicates > 1 ? `, every event delivered ${summary.duplicates}×` : ''}; ${summary.wallSeconds} s wall`,
    `Virtual time: ${summary.virtual.start} → ${summary.virtual.end} (fault ${summary.virtual.faultStart} → ${summary.virtual.faultEnd})`,
    `Traffic: ${t.requests} requests (${t.byShopper.registered} registered, ${t.byShopper.anonymous} anonymous, ${t.byShopper.forger} forged tokens); ` +
      `${t.byStatus['2xx']} 2xx, ${t.byStatus['4xx']} 4xx, ${t.byStatus['5xx']} 5xx, ${t.slow} over 3 s`,
    `Forged tokens: ${t.forged.sent} sent, ${t.forged.annotatedAnonymous} annotated anonymous`,
    `Ground truth: failing ${summary.groundTruth.failing.join(', ')}; slow ${summary.groundTruth.slow.join(', ')}`,
    `Alerts: ${summary.alerts.events} events (${Object.entries(summary.alerts.byType)
      .map(([type, n]) => `${n} ${type}`)
      .join(', ')}), ${summary.alerts.deliveries} deliveries, ${summary.alerts.deadLettered} dead-lettered`,
    `First page: ${summary.firstPageAfterFaultMs === undefined ? 'none' : `${Math.round(summary.firstPageAfterFaultMs / 1000)} s (virtual) after the fault started`}`,
    '',
    `Pages (${summary.pages.length}):`,
  ];
  for (const page of summary.pages) {
    lines.push(
      `  ${page.ruleId} [${page.severity}, ${page.kind}] ${page.state}: precision ${pct(page.precision)}, recall ${pct(page.recall)}` +
        `${page.truncated ? ' (truncated)' : ''}${page.partial ? ' (partial at some point)' : ''}`,
      `    reported: ${page.reportedUsers.join(', ') || '(none)'}`,
      `    truth:    ${page.trueUsers.join(', ') || '(none)'}`,
      `    slack:    ${page.slack ? `${page.slack.channel} thread ${page.slack.rootTs}, ${page.slack.replies} replies, root ${page.slack.rootSaysResolved ? 'resolved' : 'not resolved'}` : 'no thread'}; emails: ${page.emails}`,
    );
  }
  lines.push(
    '',
    `Emails: ${summary.emails.total} (${
      Object.entries(summary.emails.byRule)
        .map(([rule, n]) => `${rule}: ${n}`)
        .join(', ') || 'none'
    })`,
    `Digest: ${summary.digest.present ? summary.digest.subject : `missing${summary.digest.error ? ` (${summary.digest.error})` : ''}`}`,
    '',
    'Checks:',
    ...summary.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.detail}`}`),
    '',
    summary.ok ? 'All checks passed.' : 'Some checks FAILED (see above).',
  );
  return lines.join('\n');
}
