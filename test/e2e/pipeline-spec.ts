/**
 * `npm start`'s run, short scenario: the pages name exactly the injected users, each incident has
 * one Slack thread whose root ends up resolved, each paging rule sent one email per incident,
 * and a digest went out. Asserted from out/summary.json and from the Slack and SNS stand-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageText } from '../../local/pipeline/slack-text';
import { ruleSet } from '../../rules';
import { runShortScenario, type E2eRun } from './support';
import type { TracingBackend } from '../../functions/shared/tracing';

/**
 * The checks, for the run traced with `tracing` (and, `bundled`, with every function loaded from
 * its deployment bundle); each *.test.ts file runs them for one combination.
 */
export function pipelineSpec(tracing: TracingBackend, { bundled = false } = {}): void {
  let run: E2eRun;

  beforeAll(async () => {
    run = await runShortScenario({ tracing, bundled });
  }, 90_000);

  afterAll(() => run?.cleanup());

  const names = (users: { username: string }[]) => users.map((u) => u.username).sort();

  describe(`npm start, short scenario (tracing: ${tracing}${bundled ? ', from bundles' : ''})`, () => {
    it('passes every check of the run', () => {
      expect(run.summaryJson.checks.filter((c) => !c.ok)).toEqual([]);
      expect(run.summaryJson.ok).toBe(true);
      expect(run.summaryJson).toEqual(JSON.parse(JSON.stringify(run.summary)));
    });

    it('pages the failing users, exactly, from an alarm and an Insight on the same incident', () => {
      const failing = names(run.population.truth.failing);
      const page = run.summaryJson.pages.find((p) => p.ruleId === 'registered-user-faults');
      expect(page).toMatchObject({
        kind: 'alarm+insight',
        reportedUsers: failing,
        trueUsers: failing,
        truncated: false,
      });
      expect(page?.precision).toBe(1);
      expect(page?.recall).toBe(1);
      expect(run.summaryJson.firstPageAfterFaultMs).toBeGreaterThan(0);
      expect(run.summaryJson.firstPageAfterFaultMs).toBeLessThanOrEqual(3 * 60_000);
    });

    it('pages the slowed users, exactly, and nobody else', () => {
      const slow = names(run.population.truth.slow);
      const page = run.summaryJson.pages.find((p) => p.ruleId === 'slow-registered-users');
      expect(page).toMatchObject({ reportedUsers: slow, trueUsers: slow, precision: 1, recall: 1 });
      const everyone = new Set(run.summaryJson.pages.flatMap((p) => p.reportedUsers));
      for (const forger of run.population.forgers) expect(everyone.has(forger.claims.username)).toBe(false);
    });

    it('keeps one Slack thread per incident, its root updated to resolved and naming the users', () => {
      const slack = run.services.slack!;
      const threaded = run.summaryJson.pages.filter((p) => p.slack);
      expect(threaded.length).toBeGreaterThan(0);
      for (const page of threaded) {
        const thread = slack.thread(page.slack!.channel, page.slack!.rootTs);
        const root = thread[0]!;
        expect(root.updates, page.ruleId).toBeGreaterThan(0);
        expect(messageText(root)).toMatch(/RESOLVED/);
        const text = thread.map(messageText).join('\n');
        for (const user of page.reportedUsers) expect(text).toContain(user);
      }
      for (const channel of slack.channels()) {
        const incidents = threaded.filter((p) => p.slack!.channel === channel.id).length;
        expect(slack.messages(channel.id), channel.name).toHaveLength(incidents);
      }
    });

    it('sends one on-call email per incident of each paging rule, naming its users', () => {
      const emails = run.services.sns.published(run.services.names.onCallTopicArn);
      for (const rule of ruleSet.rules) {
        const pages = run.summaryJson.pages.filter((p) => p.ruleId === rule.id);
        const mine = emails.filter((e) => e.message.includes(`Rule ${rule.id} (owner`));
        expect(mine, rule.id).toHaveLength(rule.routes.email === 'immediate' ? pages.length : 0);
        for (const email of mine)
          for (const user of pages[0]!.reportedUsers) expect(email.message).toContain(user);
      }
      expect(emails.length).toBeGreaterThan(0);
    });

    it('mails the weekly digest at Monday 08:00 London, and writes it as text and HTML', async () => {
      const digests = run.services.sns.published(run.services.names.digestTopicArn);
      expect(digests).toHaveLength(1);
      // Scheduled for 08:00; virtual time flows while the function runs.
      const sentAt = digests[0]!.publishedAt.getTime() - Date.parse('2026-11-23T08:00:00Z');
      expect(sentAt).toBeGreaterThanOrEqual(0);
      expect(sentAt).toBeLessThan(60_000);
      expect(digests[0]!.subject).toMatch(/digest/i);
      expect(await run.read('digest.txt')).toContain(digests[0]!.message);
      expect(await run.read('digest.html')).toMatch(/<html/i);
    });

    it('writes threads, emails, traces and events under the out directory', async () => {
      const slackFiles = await run.list('slack');
      expect(slackFiles.filter((f) => f.endsWith('.txt'))).toHaveLength(run.summaryJson.slack.threads);
      expect(await run.list('emails')).toHaveLength(run.summaryJson.emails.total);
      const traces = (await run.read('traces.jsonl')).trim().split('\n');
      expect(traces.length).toBeGreaterThanOrEqual(run.summaryJson.traffic.sampled);
      expect(JSON.parse(traces[0]!)).toHaveProperty('segments');
      const events = (await run.read('events.jsonl')).trim().split('\n');
      expect(events.length).toBeGreaterThanOrEqual(run.summaryJson.alerts.events);
    });

    it("received the functions' spans the chosen way: OTLP for otel, the UDP daemon for xray", () => {
      const viaOtlp = run.services.otlp.received();
      if (tracing === 'otel') expect(viaOtlp).toBeGreaterThanOrEqual(run.summaryJson.traffic.sampled);
      else expect(viaOtlp).toBe(0);
      expect(run.services.otlp.rejected()).toEqual([]);
      expect(run.services.daemon.rejected()).toEqual([]);
    });

    it('writes the traces as GetTraceSummaries puts them on the wire, one TraceSummary a line', async () => {
      const lines = (await run.read('trace-summaries.jsonl')).trim().split('\n');
      // Every traced shop request, plus the notifier's and digest's own invocations.
      expect(lines.length).toBeGreaterThanOrEqual(run.summaryJson.traffic.sampled);
      const summaries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const failing = summaries.find((s) => s.HasFault === true)!;
      expect(failing).toMatchObject({
        Id: expect.stringMatching(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/),
        StartTime: expect.any(Number),
        Http: { HttpStatus: 502, HttpMethod: expect.any(String) },
        Annotations: { username: [{ AnnotationValue: { StringValue: expect.any(String) } }] },
        FaultRootCauses: [expect.objectContaining({ Services: expect.any(Array) })],
      });
      // Newest first, as GetTraceSummaries pages them.
      const starts = summaries.map((s) => s.StartTime as number);
      expect(starts).toEqual([...starts].sort((a, b) => b - a));
    });

    it('writes report.html: one file, nothing fetched from the network, the run in it', async () => {
      const html = await run.read('report.html');
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).not.toMatch(/<script|<link|src="http|url\(http/i);
      for (const rule of ruleSet.rules) expect(html).toContain(`timeline of ${rule.id}`);
      const page = run.summaryJson.pages.find((p) => p.ruleId === 'registered-user-faults')!;
      for (const user of page.reportedUsers) expect(html).toContain(user);
      expect(html).toContain('pages per fault');
    });

    it('annotated every forged token anonymous', () => {
      const { forged } = run.summaryJson.traffic;
      expect(forged.sent).toBeGreaterThan(0);
      expect(forged.annotatedAnonymous).toBe(forged.sent);
    });
  });
}
