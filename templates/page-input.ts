/**
 * What the alert renderers read. Templates import only rule *types*, so instead of importing
 * the notifier's Alert and Enrichment they declare the fields they use; the notifier's types
 * satisfy these structurally (build-page.ts passes them straight in, and tsc checks it).
 */
import type { Rule, Severity } from '../rules/schema';
import type { RootActionsInput } from './slack-actions';

export type PageState = 'firing' | 'resolved' | 'updated' | 'insufficient_data';

export interface PageService {
  name: string;
  type: string | undefined;
}

export interface PageAlert {
  kind: 'alarm' | 'insight' | 'test';
  state: PageState;
  ruleId: string;
  eventId: string;
  region: string;
  account: string;
  changedAt: Date;
  window: { start: Date; end: Date | undefined };
  title: string;
  reason: string;
  impact: { client: { faultCount: number; totalCount: number } | undefined } | undefined;
  rootCauseService: PageService | undefined;
  links: { alarm?: string | undefined; insight?: string | undefined; traces?: string | undefined };
}

export interface PageUser {
  username: string;
  requests: number;
  faults: number;
  slowestSeconds: number;
  exampleTraceId: string | undefined;
}

/** Affected users estimated from those seen in sampled traces (notifier: affected-estimate.ts). */
export interface PageEstimate {
  /** Users seen in sampled traces. */
  seen: number;
  /** Point estimate and 95 % interval of the users affected. */
  estimate: number;
  low: number;
  high: number;
}

export interface PageEnrichment {
  status: 'complete' | 'partial' | 'failed';
  reason: string | undefined;
  query: { filterExpression: string };
  users: readonly PageUser[];
  distinctUsers: number;
  distinctUsersCapped: boolean;
  overflowRequests: number;
  anonymousRequests: number;
  unattributedTraces: number;
  totalTraces: number;
  faults: number;
  rootCauses: readonly { kind: string; service: string; type: string | undefined; traces: number }[];
  exampleTraceIds: readonly string[];
  /** Present when fewer than all requests are traced and an estimate could be made. */
  estimate?: PageEstimate | undefined;
  /** Why reading stopped, or `reading` while it goes on (absent: an older record, read as stopped). */
  progress?: { end: 'complete' | 'max-traces' | 'error' | 'reading' } | undefined;
}

export type PageRule = Pick<Rule, 'id' | 'title' | 'severity' | 'runbookUrl' | 'owner' | 'group'>;

export interface PageInput {
  alert: PageAlert;
  rule: PageRule;
  enrichment: PageEnrichment;
  /** Share (0–1] of requests X-Ray traced; below 1 the page says the counts are sampled. */
  samplingRate?: number | undefined;
  /** For "12 min ago": rendering stays pure by taking the clock's value as input. */
  now: Date;
  /**
   * The severity decided from the impact (`rule.impact`), when decided: it replaces the rule's
   * in the header and subject, and the page says why ("paged: 14 registered users ≥ 3").
   */
  severity?: { severity: Severity; reason: string } | undefined;
  /** The thread root's responder status and buttons (templates/slack-actions.ts); replies have none. */
  actions?: RootActionsInput | undefined;
}
