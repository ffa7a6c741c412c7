/**
 * Alert page → SNS email `{ subject, body }`, plain text.
 *
 * Subject: printable ASCII only (non-ASCII letters transliterated where NFKD allows, else
 * `?`), no line breaks, at most 99 characters (SNS: "less than 100"), starting with `[` or a
 * letter as SNS requires. Body: at most SNS's 256 KB in UTF-8 bytes, untrusted text cleaned of
 * control and bidi characters (a username cannot forge a line), lists ending in "+N more".
 */
import { cleanBlock, cleanLine } from './escape';
import { formatSeconds, plural } from './format';
import { EMAIL_SUBJECT_MAX, SNS_MESSAGE_MAX_BYTES, truncate, truncateUtf8 } from './limits';
import { pageFacts } from './page-facts';
import type { PageInput } from './page-input';
import { safeHttpUrl, traceConsoleUrl } from './urls';

export interface EmailMessage {
  subject: string;
  body: string;
}

/** Users named in an email; the rest are counted. Mail is read top-down; 200 is plenty. */
export const EMAIL_MAX_USERS = 200;
/** A 50 KB alarm reason helps nobody in a mail; the console link has the full text. */
const REASON_MAX = 20_000;
const USERNAME_MAX = 120;
const TRUNCATED_MARKER = '\n\n[message truncated to fit the 256 KB SNS limit]\n';

export function renderEmailAlert(input: PageInput): EmailMessage {
  return { subject: emailSubject(input), body: emailBody(input) };
}

export function emailSubject(input: PageInput): string {
  const facts = pageFacts(input);
  const raw = `${facts.isTest ? '[TEST] ' : ''}[${facts.severityLabel}] ${facts.stateLabel}: ${input.rule.title} - ${facts.affectedShort}`;
  return truncate(toAsciiLine(raw), EMAIL_SUBJECT_MAX, undefined, '...');
}

/** Printable ASCII (32–126) only, whitespace collapsed. */
export function toAsciiLine(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[—–]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/gu, '?')
    .trim();
}

export function emailBody(input: PageInput): string {
  const { alert, rule, enrichment } = input;
  const facts = pageFacts(input);
  const out: string[] = [];

  out.push(`${facts.isTest ? 'TEST - ' : ''}${facts.stateLabel} - ${facts.severityLabel} - ${rule.title}`);
  if (facts.isTest)
    out.push('This is a TEST alert: nothing is wrong. It checks that this rule reaches its channels.');
  out.push('');
  out.push(`What fired: ${facts.isTest ? '' : `${facts.source}: `}${cleanLine(alert.title)}`);
  out.push(`Why: ${truncate(cleanBlock(alert.reason), REASON_MAX)}`);
  if (facts.insightImpact) out.push(`Impact: ${facts.insightImpact}`);
  if (facts.severityReason) out.push(`Severity: ${cleanLine(facts.severityReason)}`);
  out.push('');
  out.push(`Affected: ${cleanLine(facts.affected)}`);
  out.push(facts.when);
  for (const note of facts.notes) out.push(`Note: ${cleanLine(note)}`);

  if (enrichment.status !== 'failed' && enrichment.users.length > 0) {
    out.push('');
    out.push(`${facts.usersTitle} (by faults, then requests):`);
    const shown = enrichment.users.slice(0, EMAIL_MAX_USERS);
    shown.forEach((user, i) => {
      const name = truncate(cleanLine(user.username), USERNAME_MAX);
      out.push(
        `  ${i + 1}. ${name} - ${plural(user.faults, 'fault')} / ${plural(user.requests, 'request')}, slowest ${formatSeconds(user.slowestSeconds)}`,
      );
      const url = user.exampleTraceId ? traceConsoleUrl(alert.region, user.exampleTraceId) : undefined;
      if (url) out.push(`     ${url}`);
    });
    const omitted = facts.moreUsers(shown.length);
    if (omitted > 0) out.push(`  ${facts.moreLabel(omitted)}`);
  }

  if (facts.rootCauses.length > 0) {
    out.push('');
    out.push('Root cause:');
    for (const cause of facts.rootCauses) out.push(`  ${cleanLine(cause)}`);
  }

  const traces = enrichment.exampleTraceIds.flatMap((id) => {
    const url = traceConsoleUrl(alert.region, id);
    return url ? [url] : [];
  });
  if (traces.length > 0) {
    out.push('');
    out.push('Example traces:');
    for (const url of traces) out.push(`  ${url}`);
  }

  out.push('');
  pushLink(out, 'Runbook', rule.runbookUrl);
  pushLink(out, 'Alarm', alert.links.alarm);
  pushLink(out, 'Insight', alert.links.insight);
  pushLink(out, 'Traces', alert.links.traces);
  out.push(`Filter expression: ${cleanLine(enrichment.query.filterExpression)}`);
  out.push('');
  out.push(
    `Rule ${rule.id} (owner ${cleanLine(rule.owner)}) - event ${cleanLine(alert.eventId)} - ${cleanLine(alert.region)}/${cleanLine(alert.account)}`,
  );

  return truncateUtf8(out.join('\n') + '\n', SNS_MESSAGE_MAX_BYTES, TRUNCATED_MARKER);
}

function pushLink(out: string[], label: string, url: string | undefined): void {
  const safe = safeHttpUrl(url);
  if (safe) out.push(`${label}: ${safe}`);
}
