/**
 * `out/report.html`: one self-contained page to look at after a run (no script, no network:
 * inline CSS and SVG only, the digest in an `iframe srcdoc`).
 *
 * - the signal figures and the checks;
 * - the scenario's faults and who they hit;
 * - per rule, a timeline: requests per minute (grey) and the group's matching traces per minute
 *   (bars) against the alarm threshold, the fault windows shaded, alarm states as a band, Insight
 *   notifications (delivered, or dropped by X-Ray), and when each page went out and resolved;
 * - the Slack threads as Slack shows them (mrkdwn rendered, replies under the root);
 * - the emails, and the digest.
 *
 * Every string from the run is HTML-escaped; Slack text is unescaped from mrkdwn first.
 */
import type { RuleSet } from '../../rules/schema';
import type { SlackMessage } from '../slack-server';
import type { PublishedMessage } from '../sns-server';
import type { RunSummary, SlackThreadRecord } from '../summary';
import type { FaultTruth } from './ground-truth';
import type { GroupHistory } from './minute-loop';
import { unescapeMrkdwn } from './slack-text';

export interface ReportData {
  summary: RunSummary;
  ruleSet: RuleSet;
  faults: readonly FaultTruth[];
  history: readonly GroupHistory[];
  /** Minute start → requests and traced requests. */
  requestsPerMinute: ReadonlyMap<number, { requests: number; sampled: number }>;
  endedAtMs: number;
  /** When after each minute CloudWatch evaluated the alarms (0 with ideal timing). */
  alarmOffsetMs: number;
  threads: readonly SlackThreadRecord[];
  channelNames: ReadonlyMap<string, string>;
  emails: readonly PublishedMessage[];
  digestHtml: string | undefined;
}

const MINUTE = 60_000;

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
const e = escapeHtml;

export function renderReport(data: ReportData): string {
  const s = data.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Run report: ${e(s.scenario)} (seed ${s.seed})</title>
<style>${CSS}</style></head>
<body>
<header><h1>Run report: ${e(s.scenario)} <span class="muted">seed ${s.seed}</span></h1>
<p>${e(s.description)}</p>
<p class="muted">Virtual ${e(s.virtual.start)} → ${e(s.virtual.end)} · ${s.traffic.requests} requests, ${s.traffic.sampled} traced${s.samplingRate !== undefined && s.samplingRate < 1 ? ` (pages state ${Math.round(s.samplingRate * 1000) / 10}% sampling)` : ''} · timing ${s.timing.length > 0 ? `AWS-like: ${e(s.timing.join(', '))}` : 'ideal'} · ${s.wallSeconds} s wall</p>
</header>
<main>
${signalSection(s)}
${faultsSection(s)}
<section><h2>Timeline per rule</h2>
<p class="muted">Grey: all requests per minute (scale on the right). Bars: the group's matching traces per minute (ApproximateTraceCount; hollow when the datapoint reached CloudWatch after that minute's alarm evaluation). Dashed: the alarm threshold. Shaded: fault windows (red when this rule's query sees the fault). Band: alarm state. ◆ Insight notification (✕ dropped by X-Ray). ▼ page sent, ✓ resolved.</p>
${data.ruleSet.rules.map((rule) => timeline(data, rule.id)).join('\n')}
</section>
${slackSection(data)}
${emailSection(data.emails)}
${data.digestHtml ? `<section><h2>Digest</h2><iframe class="digest" title="digest" sandbox srcdoc="${e(data.digestHtml)}"></iframe></section>` : ''}
${checksSection(s)}
</main></body></html>
`;
}

const pct = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n * 1000) / 10}%`);
const secs = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${Math.round(ms / 1000)} s`);

function signalSection(s: RunSummary): string {
  const g = s.signal;
  const rows: Array<[string, string, string]> = [
    ['pages per fault', g.pagesPerFault === undefined ? 'n/a' : g.pagesPerFault.toFixed(2), 'want 1'],
    [
      'of which on-call (page severity)',
      g.onCallPagesPerFault === undefined ? 'n/a' : g.onCallPagesPerFault.toFixed(2),
      '',
    ],
    ['faults missed', String(g.missedFaults), 'want 0'],
    ['false pages', String(g.falsePages), 'want 0'],
    ['fault start → first page (median)', secs(g.firstPageMs), ''],
    ['precision of named users', pct(g.precision), 'want 100%'],
    ['recall of named users', pct(g.recall), 'want ≥ 95% at full sampling'],
    ['partial pages', String(g.partialPages), ''],
    ['unresolved incidents', String(g.unresolved), ''],
  ];
  if (g.estimate) {
    rows.push(['estimate error (median)', pct(g.estimate.medianError), 'sampled runs']);
    rows.push(['intervals holding the truth', `${g.estimate.covered} of ${g.estimate.pages}`, '']);
  }
  return `<section><h2>Signal</h2><table class="figures">${rows
    .map(([k, v, want]) => `<tr><th>${e(k)}</th><td>${e(v)}</td><td class="muted">${e(want)}</td></tr>`)
    .join('')}</table></section>`;
}

function faultsSection(s: RunSummary): string {
  if (s.faults.length === 0)
    return '<section><h2>Faults</h2><p>None: any page in this run is a false page.</p></section>';
  const rows = s.faults
    .map(
      (f) =>
        `<tr><td>${e(f.name)}</td><td>${e(f.what)}</td><td>${e(f.start.slice(11, 19))} → ${e(f.end.slice(11, 19))}</td>` +
        `<td>${f.users}</td><td>${f.anonymousRequests}</td><td>${f.requests}</td><td>${f.pages}</td><td>${secs(f.firstPageAfterMs)}</td>` +
        `<td class="small">${e(f.someUsers.join(', '))}${f.users > f.someUsers.length ? ' …' : ''}</td></tr>`,
    )
    .join('');
  const incidents = s.pages
    .map(
      (p) =>
        `<tr><td>${e(p.ruleId)}</td><td>${e(p.severity)}</td><td>${e(p.kind)}</td><td>${e(p.faults.join(', ') || 'none (false page)')}</td>` +
        `<td>${p.reportedUsers.length}</td><td>${p.trueUsers.length}</td><td>${pct(p.precision)}</td><td>${pct(p.recall)}</td>` +
        `<td>${p.estimate ? `about ${p.estimate.estimate} (${p.estimate.low}–${p.estimate.high})` : ''}</td><td>${p.partial ? 'partial' : ''}</td></tr>`,
    )
    .join('');
  return `<section><h2>Faults and incidents</h2>
<table><tr><th>fault</th><th>what</th><th>when</th><th>users hit</th><th>anonymous requests</th><th>broken requests</th><th>pages</th><th>first page</th><th>some users</th></tr>${rows}</table>
<table><tr><th>incident of rule</th><th>severity</th><th>from</th><th>answers</th><th>named</th><th>true</th><th>precision</th><th>recall</th><th>estimate</th><th></th></tr>${incidents}</table></section>`;
}

function checksSection(s: RunSummary): string {
  return `<section><h2>Checks</h2><ul class="checks">${s.checks
    .map(
      (c) =>
        `<li class="${c.ok ? 'ok' : 'fail'}">${c.ok ? '✓' : '✗'} ${e(c.name)}${c.ok ? '' : `: ${e(c.detail)}`}</li>`,
    )
    .join('')}</ul></section>`;
}

const W = 920;
const LEFT = 40;
const RIGHT = 40;
const PLOT_H = 110;
const BAND_H = 12;

function timeline(data: ReportData, ruleId: string): string {
  const rule = data.ruleSet.rules.find((r) => r.id === ruleId)!;
  const h = data.history.find((g) => g.ruleId === ruleId);
  const page = data.summary.pages.filter((p) => p.ruleId === ruleId);
  const start = Date.parse(data.summary.virtual.start);
  const end = Math.max(data.endedAtMs, start + MINUTE);
  const x = (ms: number) => LEFT + ((ms - start) / (end - start)) * (W - LEFT - RIGHT);
  const minuteW = Math.max(1, x(start + MINUTE) - x(start) - 1);
  const points = h?.datapoints ?? [];
  const threshold = rule.alarm?.threshold;
  const maxCount = Math.max(1, ...points.map((p) => p.count), threshold ?? 0);
  const maxReq = Math.max(1, ...[...data.requestsPerMinute.values()].map((r) => r.requests));
  const y = (count: number) => 10 + PLOT_H - (count / maxCount) * PLOT_H;
  const yReq = (count: number) => 10 + PLOT_H - (count / maxReq) * PLOT_H;
  const parts: string[] = [];

  for (const fault of data.faults) {
    const seen = page.some((p) => p.faults.includes(fault.name)) || ruleSeesAny(data, ruleId, fault.name);
    for (const w of fault.windows) {
      parts.push(
        `<rect x="${x(w.startMs)}" y="8" width="${Math.max(1, x(w.endMs) - x(w.startMs))}" height="${PLOT_H + 4}" class="${seen ? 'fault' : 'fault other'}"><title>${e(fault.name)}</title></rect>`,
      );
    }
  }
  const req = [...data.requestsPerMinute.entries()].sort((a, b) => a[0] - b[0]);
  if (req.length > 0) {
    const path = req
      .map(
        ([m, c], i) =>
          `${i === 0 ? 'M' : 'L'}${(x(m) + minuteW / 2).toFixed(1)},${yReq(c.requests).toFixed(1)}`,
      )
      .join(' ');
    parts.push(`<path d="${path}" class="requests"/>`);
  }
  for (const p of points) {
    if (p.count === 0) continue;
    const evaluatedAt = p.minuteStartMs + MINUTE + data.alarmOffsetMs;
    const late = p.arrivedAtMs > evaluatedAt;
    parts.push(
      `<rect x="${x(p.minuteStartMs)}" y="${y(p.count)}" width="${minuteW}" height="${10 + PLOT_H - y(p.count)}" class="${late ? 'bar late' : 'bar'}"><title>${new Date(p.minuteStartMs).toISOString().slice(11, 16)}: ${p.count} matching traces, arrived ${Math.round((p.arrivedAtMs - p.minuteStartMs - MINUTE) / 1000)} s after the minute</title></rect>`,
    );
  }
  if (threshold !== undefined) {
    parts.push(
      `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(threshold)}" y2="${y(threshold)}" class="threshold"/>`,
    );
    parts.push(
      `<text x="${LEFT - 4}" y="${y(threshold) + 3}" class="axis" text-anchor="end">${threshold}</text>`,
    );
  }
  parts.push(
    `<text x="${LEFT - 4}" y="${y(maxCount) + 8}" class="axis" text-anchor="end">${maxCount}</text>`,
  );
  parts.push(`<text x="${W - RIGHT + 4}" y="${yReq(maxReq) + 8}" class="axis req">${maxReq}/min</text>`);

  // Alarm state band.
  const bandY = 10 + PLOT_H + 8;
  if (rule.alarm && h) {
    let from = h.createdAtMs ?? start;
    let state = 'INSUFFICIENT_DATA';
    for (const change of [...h.alarm, { atMs: end, from: 'x', to: 'x' }]) {
      parts.push(
        `<rect x="${x(from)}" y="${bandY}" width="${Math.max(0, x(change.atMs) - x(from))}" height="${BAND_H}" class="state ${state}"><title>alarm ${state}</title></rect>`,
      );
      from = change.atMs;
      state = change.to;
    }
    parts.push(`<text x="${LEFT - 4}" y="${bandY + 10}" class="axis" text-anchor="end">alarm</text>`);
  } else {
    parts.push(
      `<text x="${LEFT}" y="${bandY + 10}" class="axis">no alarm${rule.group.insights ? ' (Insights only)' : ''}</text>`,
    );
  }
  const markY = bandY + BAND_H + 14;
  for (const i of h?.insights ?? []) {
    const at = i.deliveredAtMs ?? i.decidedAtMs;
    parts.push(
      `<text x="${x(at)}" y="${markY}" class="${i.deliveredAtMs === undefined ? 'insight dropped' : 'insight'}" text-anchor="middle">${i.deliveredAtMs === undefined ? '✕' : '◆'}<title>Insight ${i.kind}${i.deliveredAtMs === undefined ? ' dropped by X-Ray (best effort)' : `, decided ${iso(i.decidedAtMs)}, delivered ${iso(i.deliveredAtMs)}`}</title></text>`,
    );
  }
  for (const p of page) {
    if (p.pagedAt)
      parts.push(
        `<text x="${x(Date.parse(p.pagedAt))}" y="${markY + 14}" class="paged" text-anchor="middle">▼<title>page sent ${e(p.pagedAt)}</title></text>`,
      );
    if (p.resolvedAt)
      parts.push(
        `<text x="${x(Date.parse(p.resolvedAt))}" y="${markY + 14}" class="resolved" text-anchor="middle">✓<title>resolved ${e(p.resolvedAt)}</title></text>`,
      );
  }
  if (h?.createdAtMs !== undefined)
    parts.push(
      `<line x1="${x(h.createdAtMs)}" x2="${x(h.createdAtMs)}" y1="8" y2="${bandY + BAND_H}" class="created"><title>group created</title></line>`,
    );
  for (let m = start; m <= end; m += 5 * MINUTE)
    parts.push(
      `<text x="${x(m)}" y="${markY + 30}" class="axis" text-anchor="middle">${new Date(m).toISOString().slice(11, 16)}</text>`,
    );
  const height = markY + 36;
  const summaryLine =
    page.length === 0
      ? 'no incident'
      : page.map((p) => `${p.kind} incident, ${p.state}${p.notified ? '' : ', nothing sent'}`).join('; ');
  return `<figure><figcaption><b>${e(rule.id)}</b> <span class="muted">[${e(rule.severity)}] ${e(rule.group.filterExpression)} · ${e(summaryLine)}</span></figcaption>
<svg viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="timeline of ${e(rule.id)}">${parts.join('')}</svg></figure>`;
}

function ruleSeesAny(data: ReportData, ruleId: string, faultName: string): boolean {
  return data.summary.pages.some((p) => p.ruleId === ruleId && p.faults.includes(faultName));
}

function iso(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().slice(11, 19);
}

function slackSection(data: ReportData): string {
  if (data.threads.length === 0) return '<section><h2>Slack</h2><p>No threads.</p></section>';
  const byChannel = new Map<string, SlackThreadRecord[]>();
  for (const t of data.threads) byChannel.set(t.channel, [...(byChannel.get(t.channel) ?? []), t]);
  const channels = [...byChannel.entries()]
    .map(
      ([id, threads]) =>
        `<div class="channel"><div class="channel-name"># ${e(data.channelNames.get(id) ?? id)}</div>${threads
          .sort((a, b) => a.rootTs.localeCompare(b.rootTs))
          .map(slackThread)
          .join('')}</div>`,
    )
    .join('');
  return `<section><h2>Slack</h2><p class="muted">As the channel shows them at the end of the run: each root as last edited, its replies under it.</p>${channels}</section>`;
}

function slackThread(thread: SlackThreadRecord): string {
  const [root, ...replies] = thread.messages;
  if (!root) return '';
  return `<div class="thread">${slackMessage(root)}${
    replies.length > 0
      ? `<div class="replies"><div class="reply-count">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</div>${replies.map(slackMessage).join('')}</div>`
      : ''
  }</div>`;
}

function slackMessage(message: SlackMessage): string {
  const time = new Date(Number(message.ts.split('.')[0]) * 1000).toISOString().slice(11, 16);
  const body =
    message.blocks && message.blocks.length > 0
      ? message.blocks.map(block).join('')
      : `<div class="section">${mrkdwn(message.text)}</div>`;
  return `<div class="message"><div class="avatar">U</div><div class="content"><div class="meta"><b>uia-bot</b> <span class="app">APP</span> <span class="muted">${time}${message.updates > 0 ? ' (edited)' : ''}</span></div>${body}</div></div>`;
}

function block(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '';
  const b = raw as {
    type?: string;
    text?: { text?: string; type?: string };
    elements?: Array<{ text?: string }>;
  };
  switch (b.type) {
    case 'header':
      return `<div class="header">${e(b.text?.text ?? '')}</div>`;
    case 'section':
      return `<div class="section">${b.text?.type === 'plain_text' ? e(b.text.text ?? '') : mrkdwn(b.text?.text ?? '')}</div>`;
    case 'context':
      return `<div class="context">${(b.elements ?? []).map((el) => mrkdwn(el.text ?? '')).join(' · ')}</div>`;
    case 'divider':
      return '<hr>';
    default:
      return `<pre>${e(JSON.stringify(raw))}</pre>`;
  }
}

const EMOJI: Record<string, string> = {
  red_circle: '🔴',
  large_orange_circle: '🟠',
  white_circle: '⚪',
  white_check_mark: '✅',
  warning: '⚠️',
};

/** Slack mrkdwn → HTML: links, *bold*, _italic_, ~strike~, `code`, emoji codes, line breaks. */
export function mrkdwn(text: string): string {
  return text
    .split(/(<[^<>]+>)/)
    .map((part) => {
      const link = /^<([^|>]+)(?:\|([^>]*))?>$/.exec(part);
      if (link) {
        const url = unescapeMrkdwn(link[1]!);
        const label = unescapeMrkdwn(link[2] ?? link[1]!);
        return /^https?:\/\//.test(url) ? `<a href="${e(url)}">${e(label)}</a>` : e(label);
      }
      return e(unescapeMrkdwn(part))
        .replace(/`([^`\n]+)`/g, '<code>$1</code>')
        .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
        .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
        .replace(/(^|[\s(])~([^~\n]+)~/g, '$1<s>$2</s>')
        .replace(/:([a-z_]+):/g, (m, name: string) => EMOJI[name] ?? m);
    })
    .join('')
    .replaceAll('\n', '<br>');
}

function emailSection(emails: readonly PublishedMessage[]): string {
  if (emails.length === 0) return '<section><h2>Emails</h2><p>None sent to on-call.</p></section>';
  return `<section><h2>Emails (on-call topic)</h2>${emails
    .map(
      (m) =>
        `<div class="email"><div class="email-head"><b>${e(m.subject ?? '(no subject)')}</b><br><span class="muted">${e(m.publishedAt.toISOString())} · ${e(m.topicArn)}</span></div><pre>${e(m.message)}</pre></div>`,
    )
    .join('')}</section>`;
}

const CSS = `
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d1c1d;margin:0;background:#f6f6f6}
header{background:#1d2b36;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;font-size:22px}header .muted{color:#b8c3cc}
main{padding:8px 24px 40px;max-width:1000px}section{background:#fff;border-radius:6px;padding:12px 16px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:17px;margin:4px 0 10px}.muted{color:#616061}.small{font-size:12px}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}
table.figures th{font-weight:normal;color:#444}table.figures td:nth-child(2){font-weight:bold}
figure{margin:10px 0 18px}figcaption{margin-bottom:2px}
svg .fault{fill:#e01e5a;opacity:.13}svg .fault.other{fill:#888;opacity:.08}svg .bar{fill:#1264a3}svg .bar.late{fill:#fff;stroke:#1264a3;stroke-width:1.5}
svg .requests{fill:none;stroke:#aaa;stroke-width:1.5}svg .threshold{stroke:#e01e5a;stroke-dasharray:4 3}
svg .axis{font-size:10px;fill:#616061}svg .axis.req{fill:#999}
svg .state.OK{fill:#2eb67d}svg .state.ALARM{fill:#e01e5a}svg .state.INSUFFICIENT_DATA{fill:#ccc}
svg .insight{fill:#ecb22e;font-size:13px}svg .insight.dropped{fill:#999}svg .paged{fill:#e01e5a;font-size:13px}svg .resolved{fill:#2eb67d;font-size:13px;font-weight:bold}
svg .created{stroke:#333;stroke-dasharray:2 2}
.channel{border:1px solid #ddd;border-radius:6px;margin:10px 0}.channel-name{font-weight:bold;padding:6px 12px;border-bottom:1px solid #ddd;background:#fafafa}
.thread{padding:6px 0;border-bottom:1px solid #eee}.message{display:flex;padding:6px 12px}.avatar{flex:0 0 36px;height:36px;border-radius:4px;background:#4a154b;color:#fff;text-align:center;line-height:36px;font-weight:bold;margin-right:8px}
.content{flex:1;min-width:0}.meta{margin-bottom:2px}.app{font-size:10px;background:#ddd;border-radius:2px;padding:0 3px;color:#555}
.header{font-size:16px;font-weight:bold;margin:2px 0 6px}.section{margin:4px 0}.context{font-size:12px;color:#616061;margin:4px 0}
.section code,.context code{background:#f3f3f3;border:1px solid #ddd;border-radius:3px;padding:0 3px;font-size:12px;color:#e01e5a}a{color:#1264a3}
.replies{margin-left:56px;border-left:3px solid #ddd}.reply-count{color:#1264a3;font-size:12px;font-weight:bold;padding:2px 12px}
.email{border:1px solid #ddd;border-radius:6px;margin:10px 0}.email-head{padding:6px 12px;background:#fafafa;border-bottom:1px solid #ddd}
.email pre{margin:0;padding:8px 12px;white-space:pre-wrap;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
iframe.digest{width:100%;height:640px;border:1px solid #ddd;border-radius:6px}
.checks{list-style:none;padding:0}.checks .ok{color:#2eb67d}.checks .fail{color:#e01e5a;font-weight:bold}
`;
