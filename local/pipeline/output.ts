/**
 * Everything a run leaves behind, under the out directory: Slack threads (JSON and as read),
 * emails, the digest (text and HTML), traces and events as JSON lines, the functions' logs,
 * the summary, and report.html. Only the paths listed here are replaced; anything else in the
 * directory (the digest preview, say) is left alone.
 *
 * Traces twice: `traces.jsonl` (the stand-in's trace model with every segment document) and
 * `trace-summaries.jsonl`, one X-Ray `TraceSummary` a line exactly as GetTraceSummaries puts it on
 * the wire (times in epoch seconds), newest first, so other tools can replay the run.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredTrace } from '../trace-store';
import type { BusEvent } from '../event-bus';
import type { PublishedMessage } from '../sns-server';
import { emailRuleId, formatSummary, type RunSummary, type SlackThreadRecord } from '../summary';
import { toTraceSummary } from '../xray-server';
import { renderReport, type ReportData } from './report';
import { threadText } from './slack-text';

export interface RunOutputs {
  summary: RunSummary;
  threads: readonly SlackThreadRecord[];
  /** Channel id → name, for file names people recognise. */
  channelNames: ReadonlyMap<string, string>;
  emails: readonly PublishedMessage[];
  digest: { subject: string | undefined; text: string | undefined; html: string | undefined };
  traces: readonly StoredTrace[];
  events: readonly BusEvent[];
  logs: ReadonlyMap<string, readonly string[]>;
  /** Undefined: no report.html (benchmark runs). */
  report?: ReportData | undefined;
}

const OWNED = [
  'summary.json',
  'summary.txt',
  'slack',
  'emails',
  'digest.txt',
  'digest.html',
  'traces.jsonl',
  'trace-summaries.jsonl',
  'events.jsonl',
  'report.html',
  'logs',
];

export async function writeOutputs(outDir: string, outputs: RunOutputs): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  await Promise.all(OWNED.map((path) => rm(join(outDir, path), { recursive: true, force: true })));
  await Promise.all(['slack', 'emails', 'logs'].map((dir) => mkdir(join(outDir, dir), { recursive: true })));
  const written: string[] = [];
  const write = async (path: string, content: string) => {
    await writeFile(join(outDir, path), content);
    written.push(path);
  };

  await write('summary.json', `${JSON.stringify(outputs.summary, null, 2)}\n`);
  await write('summary.txt', `${formatSummary(outputs.summary)}\n`);
  for (const thread of outputs.threads) {
    const name = `${outputs.channelNames.get(thread.channel) ?? thread.channel}-${thread.rootTs}`;
    await write(join('slack', `${name}.json`), `${JSON.stringify(thread, null, 2)}\n`);
    await write(join('slack', `${name}.txt`), `${threadText(thread.messages)}\n`);
  }
  for (const [i, email] of outputs.emails.entries()) {
    const name = `${String(i + 1).padStart(2, '0')}-${emailRuleId(email.message) ?? 'unknown'}.txt`;
    await write(
      join('emails', name),
      `Topic: ${email.topicArn}\nDate: ${email.publishedAt.toISOString()}\nSubject: ${email.subject ?? ''}\n\n${email.message}`,
    );
  }
  if (outputs.digest.text !== undefined) {
    await write('digest.txt', `Subject: ${outputs.digest.subject ?? ''}\n\n${outputs.digest.text}`);
  }
  if (outputs.digest.html !== undefined) await write('digest.html', outputs.digest.html);
  await write(
    'traces.jsonl',
    lines(outputs.traces.map(({ trace, documents }) => ({ ...trace, segments: documents.map(parse) }))),
  );
  await write('trace-summaries.jsonl', lines(outputs.traces.map(({ trace }) => toTraceSummary(trace))));
  await write('events.jsonl', lines(outputs.events));
  if (outputs.report) await write('report.html', renderReport(outputs.report));
  for (const [fn, entries] of outputs.logs) await write(join('logs', `${fn}.log`), entries.join(''));
  return written;
}

function lines(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join('\n') + (values.length > 0 ? '\n' : '');
}

function parse(document: string): unknown {
  try {
    return JSON.parse(document);
  } catch {
    return document;
  }
}
