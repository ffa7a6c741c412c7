/**
 * What a run did, as `out/summary.json` and as the text printed at the end: traffic, the
 * scenario's faults with who they hit, alerts, and for each incident the users its page named
 * against the ground truth, then the signal figures the benchmark compares across runs (pages
 * per fault, false pages, time to first page, precision and recall of the named users, partial
 * pages, the estimate's error under sampling). Built from what the run recorded; the pass/fail
 * checks (local/pipeline/checks.ts) read only this.
 */
import type { Incident } from '../functions/shared/incidents/model';
import type { Rule, RuleSet } from '../rules/schema';
import type { PublishedMessage } from './sns-server';
import type { SlackMessage } from './slack-server';
import {
  expectedUsers,
  faultsOfIncident,
  ruleSeesFault,
  score,
  type FaultTruth,
} from './pipeline/ground-truth';
import { messageText } from './pipeline/slack-text';
import type { ChaosSummary } from './chaos/pipeline';
import { formatChaos } from './chaos/report';
import type { Selected } from './scenario/population';

export interface TrafficTally {
  requests: number;
  /** Requests X-Ray traced (the sampling decision). */
  sampled: number;
  byShopper: Record<'registered' | 'anonymous' | 'forger', number>;
  /** 2xx / 4xx / 5xx as the client saw them. */
  byStatus: Record<'2xx' | '4xx' | '5xx', number>;
  /** Requests over 3 s (virtual). */
  slow: number;
  /** Forged-token requests; only traced ones have an annotation to check. */
  forged: { sent: number; traced: number; annotatedAnonymous: number; annotatedOtherwise: string[] };
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
  scenario: { name: string; description: string; file: string };
  seed: number;
  duplicates: number;
  /** AWS-like timing assumptions that were on. */
  timing: string[];
  /** The traced share pages state (undefined: every request traced). */
  samplingRate: number | undefined;
  ruleSet: RuleSet;
  startMs: number;
  endMs: number;
  faults: FaultTruth[];
  /** Who the faults selected (the injected subsets), by effect. */
  selected: Selected;
  traffic: TrafficTally;
  events: EventRecord[];
  /** Events the notifier itself parked in its dead-letter queue (permanent failures). */
  notifierDeadLetters: number;
  incidents: Incident[];
  /** Rules whose Insight notifications the X-Ray stand-in dropped (best effort), by kind. */
  droppedInsights: Array<{ ruleId: string; kind: string }>;
  slack:
    | { mode: 'local'; threads: Map<string, SlackThreadRecord>; topLevelByChannel: Record<string, number> }
    | { mode: 'real' };
  /** Messages on the on-call topic (immediate emails). */
  emails: PublishedMessage[];
  /** Button clicks the local responder sent to the interactivity endpoint, with its answers. */
  clicks?: Array<{ actionId: string; at: string; status: number }>;
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
  /** Whether anything was sent (a Slack root or an email). */
  notified: boolean;
  /**
   * Folded into another incident's thread (inhibited, or linked by shared users and root
   * cause): one line there instead of a page of its own.
   */
  relatedTo: { kind: 'inhibited' | 'linked'; ruleId: string; incidentId: string } | undefined;
  /** The severity decided from the impact (`rule.impact`), with why; undefined without one. */
  decidedSeverity?: { severity: Incident['severity']; reason: string | undefined } | undefined;
  /** The scenario faults this incident answers; none: a false page. */
  faults: string[];
  reportedUsers: string[];
  trueUsers: string[];
  precision: number;
  recall: number;
  /** The stored list hit its bound, or the page had to leave users out. */
  truncated: boolean;
  /** Enrichment was cut short (time budget, throttling) at some point of the incident. */
  partial: boolean;
  /**
   * Under sampling: the incident's estimate (the best-informed of its events, what the digest
   * reports), and the one its first page showed, each with its error against the true users.
   */
  estimate: EstimateScore | undefined;
  firstPageEstimate: EstimateScore | undefined;
  firstFiredAt: string;
  pagedAt: string | undefined;
  resolvedAt: string | undefined;
  /** The X-Ray stand-in dropped an Insight notification of this rule (best effort). */
  insightDropped: boolean;
  /** Who acknowledged the page from Slack, and how long after it was sent (virtual ms). */
  acknowledgement?: { by: string; afterPageMs: number | undefined } | undefined;
  slack:
    | {
        channel: string;
        rootTs: string;
        replies: number;
        rootUpdated: boolean;
        rootSaysResolved: boolean;
        /** The root says "Acknowledged by @…" (root-actions.ts). */
        rootSaysAcknowledged?: boolean;
        /** Reported users missing from the root and replies' text (edit history included). */
        usersMissingFromText: string[];
      }
    | undefined;
  emails: number;
}

export interface EstimateScore {
  seen: number;
  estimate: number;
  low: number;
  high: number;
  /** |estimate − true| / true; undefined without true users. */
  error: number | undefined;
  /** The 95 % interval holds the true count. */
  covered: boolean;
}

export interface FaultSummary {
  name: string;
  /** `errors`, `throttling`, or `latency 3500 ms`. */
  what: string;
  start: string;
  end: string;
  /** Affected registered users (ground truth). */
  users: number;
  /** Up to 10 of them, for reading. */
  someUsers: string[];
  anonymousRequests: number;
  requests: number;
  /** Some rule's query sees this fault's broken requests: it should be paged. */
  detectable: boolean;
  /** Notified incidents that answer it (want 1). */
  pages: number;
  /**
   * Pages per incident: Slack threads (pages of their own) per problem that answers it, the
   * incidents folded into one of them counted with it. Want 1; undefined when nothing answered.
   */
  pagesPerIncident: number | undefined;
  /** Incidents that answer it and were folded into another's thread, by rule id. */
  folded: string[];
  /** Of those, incidents of `page`-severity rules (what wakes on-call). */
  onCallPages: number;
  /** Virtual ms from its start to the first of those pages. */
  firstPageAfterMs: number | undefined;
}

export interface SignalFigures {
  faults: number;
  detectableFaults: number;
  notifiedIncidents: number;
  /** Mean notified incidents per detectable fault (want 1); undefined without faults. */
  pagesPerFault: number | undefined;
  pagesPerFaultMax: number | undefined;
  /** Mean `page`-severity incidents per detectable fault (the on-call pages). */
  onCallPagesPerFault: number | undefined;
  /** Detectable faults no page answered. */
  missedFaults: number;
  /** Notified incidents that answer no fault. */
  falsePages: number;
  /** Median over faults of the virtual ms from fault start to its first page. */
  firstPageMs: number | undefined;
  /** Over notified incidents with a truth: named users, micro-averaged. */
  precision: number | undefined;
  recall: number | undefined;
  partialPages: number;
  /**
   * Under sampling: median relative error of the incidents' estimates and how many intervals held
   * the truth; the same for the estimates their first pages showed.
   */
  estimate:
    | {
        pages: number;
        medianError: number | undefined;
        covered: number;
        firstPageMedianError: number | undefined;
        firstPageCovered: number;
      }
    | undefined;
  unresolved: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunSummary {
  scenario: string;
  description: string;
  seed: number;
  duplicates: number;
  wallSeconds: number;
  timing: string[];
  samplingRate: number | undefined;
  virtual: { start: string; faultStart: string; faultEnd: string; end: string };
  traffic: TrafficTally;
  faults: FaultSummary[];
  /** The injected subsets of registered users, by effect. */
  groundTruth: { failing: string[]; slow: string[] };
  alerts: {
    events: number;
    byType: Record<string, number>;
    deliveries: number;
    /** Events that ended in a dead-letter queue: the bus's (retries exhausted) or the notifier's. */
    deadLettered: number;
    /** Insight notifications the X-Ray stand-in dropped (best effort). */
    insightsDropped: number;
  };
  /** Virtual milliseconds from the first fault's start to the first page sent. */
  firstPageAfterFaultMs: number | undefined;
  pages: PageSummary[];
  signal: SignalFigures;
  emails: { total: number; byRule: Record<string, number> };
  slack: { mode: 'local' | 'real'; threads: number; topLevelByChannel: Record<string, number> };
  digest: { present: boolean; subject: string | undefined; error: string | undefined };
  /** With `--chaos`: what the plan did and the invariants judged (local/chaos/). */
  chaos?: ChaosSummary;
  /** The local responder's clicks on page buttons, and how many the endpoint answered 200. */
  responder?: { clicks: number; answered: number };
  checks: Check[];
  ok: boolean;
}

/** `Rule <id> (owner …)` is the last line of every alert email (templates/email-alert.ts). */
export function emailRuleId(body: string): string | undefined {
  return /^Rule (\S+) \(owner /m.exec(body)?.[1];
}

export function buildSummary(record: RunRecord): Omit<RunSummary, 'checks' | 'ok'> {
  const emailsByRule: Record<string, number> = {};
  for (const email of record.emails) {
    const ruleId = emailRuleId(email.message) ?? 'unknown';
    emailsByRule[ruleId] = (emailsByRule[ruleId] ?? 0) + 1;
  }
  const pages = record.incidents
    .map((incident) => pageSummary(incident, record, emailsByRule))
    .sort((a, b) => a.firstFiredAt.localeCompare(b.firstFiredAt) || a.ruleId.localeCompare(b.ruleId));
  const faults = record.faults.map((fault) => faultSummary(fault, pages, record.ruleSet));
  const firstFault = Math.min(...record.faults.map((f) => f.span.startMs));
  const lastFault = Math.max(...record.faults.map((f) => f.span.endMs));
  const pagedAt = pages.flatMap((p) => (p.pagedAt ? [Date.parse(p.pagedAt)] : []));
  const byType: Record<string, number> = {};
  for (const event of record.events) byType[event.detailType] = (byType[event.detailType] ?? 0) + 1;
  return {
    scenario: record.scenario.name,
    description: record.scenario.description,
    seed: record.seed,
    duplicates: record.duplicates,
    wallSeconds: Math.round(record.wallMs / 100) / 10,
    timing: record.timing,
    samplingRate: record.samplingRate,
    virtual: {
      start: iso(record.startMs),
      faultStart: record.faults.length > 0 ? iso(firstFault) : '',
      faultEnd: record.faults.length > 0 ? iso(lastFault) : '',
      end: iso(record.endMs),
    },
    traffic: record.traffic,
    faults,
    groundTruth: {
      failing: record.selected.failing.map((u) => u.username).sort(),
      slow: record.selected.slow.map((u) => u.username).sort(),
    },
    alerts: {
      events: record.events.length,
      byType,
      deliveries: record.events.reduce((sum, e) => sum + e.deliveries, 0),
      deadLettered: record.events.reduce((sum, e) => sum + e.deadLettered, 0) + record.notifierDeadLetters,
      insightsDropped: record.droppedInsights.length,
    },
    firstPageAfterFaultMs:
      record.faults.length > 0 && pagedAt.length > 0
        ? Math.max(0, Math.min(...pagedAt) - firstFault)
        : undefined,
    pages,
    signal: signalFigures(faults, pages),
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
    responder: {
      clicks: record.clicks?.length ?? 0,
      answered: record.clicks?.filter((c) => c.status === 200).length ?? 0,
    },
  };
}

function pageSummary(
  incident: Incident,
  record: RunRecord,
  emailsByRule: Record<string, number>,
): PageSummary {
  const rule: Rule | undefined = record.ruleSet.rules.find((r) => r.id === incident.ruleId);
  const sources = incident.sources.filter((s) => s !== 'test');
  const answered = rule ? faultsOfIncident(incident, rule, record.faults) : [];
  const trueUsers = rule ? expectedUsers(rule, sources, answered) : [];
  const reportedUsers = [...incident.users].sort();
  const { precision, recall } = score(reportedUsers, trueUsers);
  const thread =
    record.slack.mode === 'local' && incident.slack
      ? record.slack.threads.get(threadKey(incident.slack.channel, incident.slack.rootTs))
      : undefined;
  // What the thread said at any time: a root rewritten on resolve still named its first page's users.
  const threadText =
    thread?.messages.flatMap((m) => [...m.revisions.map((r) => messageText(r)), messageText(m)]).join('\n') ??
    '';
  const root = thread?.messages[0];
  const estimate = incident.impact.estimate;
  const truth = trueUsers.length;
  return {
    incidentId: incident.id,
    ruleId: incident.ruleId,
    severity: incident.severity,
    kind: [...incident.sources].sort().join('+'),
    state: incident.state,
    notified: incident.pagedAt !== undefined,
    relatedTo: incident.relatedTo,
    decidedSeverity: incident.decidedSeverity && {
      severity: incident.decidedSeverity,
      reason: incident.severityReason,
    },
    faults: answered.map((f) => f.name),
    reportedUsers,
    trueUsers,
    precision,
    recall,
    truncated: incident.usersTruncated || incident.impact.affectedUsers > incident.users.length,
    partial: incident.impact.partial,
    estimate: estimate && scoreEstimate(estimate, truth),
    firstPageEstimate: root ? firstPageEstimate(root, truth) : undefined,
    firstFiredAt: incident.firstFiredAt,
    pagedAt: incident.pagedAt,
    resolvedAt: incident.resolvedAt,
    insightDropped: record.droppedInsights.some((d) => d.ruleId === incident.ruleId),
    acknowledgement: incident.acknowledgement && {
      by: incident.acknowledgement.by,
      afterPageMs: incident.pagedAt
        ? Date.parse(incident.acknowledgement.at) - Date.parse(incident.pagedAt)
        : undefined,
    },
    slack:
      thread && root
        ? {
            channel: thread.channel,
            rootTs: thread.rootTs,
            replies: thread.messages.length - 1,
            rootUpdated: root.updates > 0,
            rootSaysResolved: /\bRESOLVED\b/.test(messageText(root)),
            rootSaysAcknowledged: /Acknowledged\* by/.test(messageText(root)),
            usersMissingFromText: reportedUsers.filter((u) => !threadText.includes(u)),
          }
        : undefined,
    emails: emailsByRule[incident.ruleId] ?? 0,
  };
}

function scoreEstimate(
  e: { seen: number; estimate: number; low: number; high: number },
  truth: number,
): EstimateScore {
  return {
    seen: e.seen,
    estimate: e.estimate,
    low: e.low,
    high: e.high,
    error: truth > 0 ? Math.abs(e.estimate - truth) / truth : undefined,
    covered: e.low <= truth && truth <= e.high,
  };
}

/** The estimate as the thread's root first said it. */
function firstPageEstimate(root: SlackMessage, truth: number): EstimateScore | undefined {
  const said = estimateInText(messageText(root.revisions[0] ?? root));
  return said && scoreEstimate(said, truth);
}

/** Reads "6 registered users seen, about 1,190 affected (95 %: 1,150–1,240)" back from a page. */
export function estimateInText(
  text: string,
): { seen: number; estimate: number; low: number; high: number } | undefined {
  const plain = text.replace(/(\d),(?=\d{3})/g, '$1');
  const m = /(\d+) registered users? seen, about (\d+) affected(?: \(95 %: (\d+)–(\d+)\))?/.exec(plain);
  if (!m) return undefined;
  const estimate = Number(m[2]);
  return { seen: Number(m[1]), estimate, low: Number(m[3] ?? estimate), high: Number(m[4] ?? estimate) };
}

function faultSummary(fault: FaultTruth, pages: readonly PageSummary[], ruleSet: RuleSet): FaultSummary {
  const answering = pages.filter((p) => p.notified && p.faults.includes(fault.name));
  const firstPaged = Math.min(...answering.flatMap((p) => (p.pagedAt ? [Date.parse(p.pagedAt)] : [])));
  return {
    name: fault.name,
    what: fault.what.kind === 'latency' ? `latency ${fault.what.ms} ms` : fault.what.kind,
    start: iso(fault.span.startMs),
    end: iso(fault.span.endMs),
    users: fault.users.length,
    someUsers: fault.users.slice(0, 10),
    anonymousRequests: fault.anonymousRequests,
    requests: fault.requests,
    detectable:
      fault.requests > 0 && ruleSet.rules.some((rule) => ruleSeesFault(rule, possibleSources(rule), fault)),
    pages: answering.length,
    ...threadsOf(fault, pages),
    onCallPages: answering.filter((p) => p.severity === 'page').length,
    firstPageAfterMs: Number.isFinite(firstPaged) ? Math.max(0, firstPaged - fault.span.startMs) : undefined,
  };
}

/**
 * One thread per problem: the incidents answering a fault, each folded one counted with the
 * thread it was folded into. Pages per incident = own threads ÷ problems (threads, plus folded
 * incidents whose thread answers another fault).
 */
function threadsOf(
  fault: FaultTruth,
  pages: readonly PageSummary[],
): Pick<FaultSummary, 'pagesPerIncident' | 'folded'> {
  const answering = pages.filter((p) => p.faults.includes(fault.name));
  const own = answering.filter((p) => p.notified && p.relatedTo === undefined);
  const folded = answering.filter((p) => p.relatedTo !== undefined);
  const ownIds = new Set(own.map((p) => p.incidentId));
  const problems = own.length + folded.filter((p) => !ownIds.has(p.relatedTo!.incidentId)).length;
  return {
    pagesPerIncident: problems === 0 ? undefined : own.length / problems,
    folded: folded.map((p) => p.ruleId),
  };
}

/** Where a rule's alerts can come from: its alarm and, with notifications on, its Insights. */
export function possibleSources(rule: Rule): Array<'alarm' | 'insight'> {
  return [
    ...(rule.alarm ? (['alarm'] as const) : []),
    ...(rule.group.insights && rule.group.insightNotifications ? (['insight'] as const) : []),
  ];
}

export function signalFigures(faults: readonly FaultSummary[], pages: readonly PageSummary[]): SignalFigures {
  const detectable = faults.filter((f) => f.detectable);
  const notified = pages.filter((p) => p.notified);
  const withTruth = notified.filter((p) => p.trueUsers.length > 0 || p.reportedUsers.length > 0);
  const hits = withTruth.reduce(
    (n, p) => n + p.reportedUsers.filter((u) => p.trueUsers.includes(u)).length,
    0,
  );
  const reported = withTruth.reduce((n, p) => n + p.reportedUsers.length, 0);
  const truth = withTruth.reduce((n, p) => n + p.trueUsers.length, 0);
  const estimates = notified.flatMap((p) => (p.estimate ? [p.estimate] : []));
  const errors = estimates.flatMap((e) => (e.error === undefined ? [] : [e.error]));
  const first = notified.flatMap((p) => (p.firstPageEstimate ? [p.firstPageEstimate] : []));
  return {
    faults: faults.length,
    detectableFaults: detectable.length,
    notifiedIncidents: notified.length,
    pagesPerFault:
      detectable.length > 0 ? detectable.reduce((n, f) => n + f.pages, 0) / detectable.length : undefined,
    pagesPerFaultMax: detectable.length > 0 ? Math.max(...detectable.map((f) => f.pages)) : undefined,
    onCallPagesPerFault:
      detectable.length > 0
        ? detectable.reduce((n, f) => n + f.onCallPages, 0) / detectable.length
        : undefined,
    missedFaults: detectable.filter((f) => f.pages === 0).length,
    falsePages: notified.filter((p) => p.faults.length === 0).length,
    firstPageMs: median(
      detectable.flatMap((f) => (f.firstPageAfterMs === undefined ? [] : [f.firstPageAfterMs])),
    ),
    precision: reported > 0 ? hits / reported : withTruth.length > 0 ? 1 : undefined,
    recall: truth > 0 ? hits / truth : undefined,
    partialPages: notified.filter((p) => p.partial).length,
    estimate:
      estimates.length > 0
        ? {
            pages: estimates.length,
            medianError: median(errors),
            covered: estimates.filter((e) => e.covered).length,
            firstPageMedianError: median(first.flatMap((e) => (e.error === undefined ? [] : [e.error]))),
            firstPageCovered: first.filter((e) => e.covered).length,
          }
        : undefined,
    unresolved: pages.filter((p) => p.state !== 'resolved').length,
  };
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function threadKey(channel: string, rootTs: string): string {
  return `${channel}/${rootTs}`;
}

function iso(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '' : new Date(ms).toISOString();
}

const pct = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n * 1000) / 10}%`);
const names = (list: readonly string[], more: number) =>
  `${list.join(', ') || '(none)'}${more > list.length ? ` … (${more} in all)` : ''}`;

/** The end-of-run text: figures first, then one block per fault and per page, then the checks. */
export function formatSummary(summary: RunSummary): string {
  const t = summary.traffic;
  const s = summary.signal;
  const lines = [
    `Run: scenario ${summary.scenario}, seed ${summary.seed}${summary.duplicates > 1 ? `, every event delivered ${summary.duplicates}×` : ''}; ${summary.wallSeconds} s wall`,
    `Timing: ${summary.timing.length > 0 ? `AWS-like (${summary.timing.join(', ')})` : 'ideal (no delays, paging or rate limits)'}`,
    `Virtual time: ${summary.virtual.start} → ${summary.virtual.end}`,
    `Traffic: ${t.requests} requests (${t.byShopper.registered} registered, ${t.byShopper.anonymous} anonymous, ${t.byShopper.forger} forged tokens), ${t.sampled} traced; ` +
      `${t.byStatus['2xx']} 2xx, ${t.byStatus['4xx']} 4xx, ${t.byStatus['5xx']} 5xx, ${t.slow} over 3 s`,
    `Forged tokens: ${t.forged.sent} sent, ${t.forged.traced} traced, ${t.forged.annotatedAnonymous} of those annotated anonymous`,
    `Alerts: ${summary.alerts.events} events (${Object.entries(summary.alerts.byType)
      .map(([type, n]) => `${n} ${type}`)
      .join(', ')}), ${summary.alerts.deliveries} deliveries, ${summary.alerts.deadLettered} dead-lettered` +
      `${summary.alerts.insightsDropped > 0 ? `, ${summary.alerts.insightsDropped} Insight notifications dropped by X-Ray (best effort)` : ''}`,
    `First page: ${summary.firstPageAfterFaultMs === undefined ? 'none' : `${Math.round(summary.firstPageAfterFaultMs / 1000)} s (virtual) after the first fault started`}`,
    '',
    `Faults (${summary.faults.length}):${summary.faults.length === 0 ? ' none, so any page is a false page' : ''}`,
  ];
  for (const f of summary.faults) {
    lines.push(
      `  ${f.name} [${f.what}] ${f.start.slice(11, 19)} → ${f.end.slice(11, 19)}: ${f.users} registered users, ${f.anonymousRequests} anonymous requests, ${f.requests} broken requests; ` +
        `${f.pages} page${f.pages === 1 ? '' : 's'}${f.firstPageAfterMs === undefined ? '' : `, first after ${Math.round(f.firstPageAfterMs / 1000)} s`}${f.detectable ? '' : ' (no rule sees it)'}` +
        `${f.pagesPerIncident === undefined ? '' : `; pages per incident = ${Number(f.pagesPerIncident.toFixed(2))}`}${f.folded.length > 0 ? ` (${f.folded.join(', ')} folded into its thread)` : ''}`,
      `    users: ${names(f.someUsers, f.users)}`,
    );
  }
  lines.push('', `Incidents (${summary.pages.length}):`);
  for (const page of summary.pages) {
    const est = page.estimate
      ? `; estimate about ${page.estimate.estimate} (95 %: ${page.estimate.low}–${page.estimate.high}) from ${page.estimate.seen} seen, true ${page.trueUsers.length}`
      : '';
    lines.push(
      `  ${page.ruleId} [${page.severity}, ${page.kind}] ${page.state}${page.relatedTo ? `, ${page.relatedTo.kind}: one line in the ${page.relatedTo.ruleId} thread` : page.notified ? '' : ', nothing sent'}: precision ${pct(page.precision)}, recall ${pct(page.recall)}` +
        `${page.truncated ? ' (truncated)' : ''}${page.partial ? ' (partial at some point)' : ''}${est}`,
      ...(page.decidedSeverity
        ? [`    severity: ${page.decidedSeverity.reason ?? page.decidedSeverity.severity}`]
        : []),
      `    answers:  ${page.faults.join(', ') || '(no fault: a false page)'}`,
      `    reported: ${names(page.reportedUsers.slice(0, 10), page.reportedUsers.length)}`,
      `    truth:    ${names(page.trueUsers.slice(0, 10), page.trueUsers.length)}`,
      `    slack:    ${page.slack ? `${page.slack.channel} thread ${page.slack.rootTs}, ${page.slack.replies} replies, root ${page.slack.rootSaysResolved ? 'resolved' : 'not resolved'}` : page.relatedTo ? `no thread of its own (${page.relatedTo.kind})` : 'no thread'}; emails: ${page.emails}${page.acknowledgement ? `; acknowledged by ${page.acknowledgement.by}${page.acknowledgement.afterPageMs === undefined ? '' : ` after ${Math.round(page.acknowledgement.afterPageMs / 1000)} s`}` : ''}`,
    );
  }
  lines.push(
    '',
    `Signal: pages per fault ${s.pagesPerFault === undefined ? 'n/a' : s.pagesPerFault.toFixed(2)} (max ${s.pagesPerFaultMax ?? 'n/a'}; on-call ${s.onCallPagesPerFault === undefined ? 'n/a' : s.onCallPagesPerFault.toFixed(2)}), ` +
      `${s.missedFaults} missed, ${s.falsePages} false pages, first page after ${s.firstPageMs === undefined ? 'n/a' : `${Math.round(s.firstPageMs / 1000)} s`} (median), ` +
      `precision ${pct(s.precision)}, recall ${pct(s.recall)}, ${s.partialPages} partial` +
      `${s.estimate ? `, estimate error ${pct(s.estimate.medianError)} (median; first pages ${pct(s.estimate.firstPageMedianError)}), ${s.estimate.covered}/${s.estimate.pages} intervals hold the truth (first pages ${s.estimate.firstPageCovered})` : ''}`,
    `Emails: ${summary.emails.total} (${
      Object.entries(summary.emails.byRule)
        .map(([rule, n]) => `${rule}: ${n}`)
        .join(', ') || 'none'
    })`,
    `Digest: ${summary.digest.present ? summary.digest.subject : `missing${summary.digest.error ? ` (${summary.digest.error})` : ''}`}`,
    ...(summary.chaos ? ['', ...formatChaos(summary.chaos)] : []),
    '',
    'Checks:',
    ...summary.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.detail}`}`),
    '',
    summary.ok ? 'All checks passed.' : 'Some checks FAILED (see above).',
  );
  return lines.join('\n');
}
