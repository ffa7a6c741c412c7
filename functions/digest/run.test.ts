/**
 * The digest end to end on a real local DynamoDB (dynalite): histories are seeded through the
 * real incident store, read back with its day-by-day `byDay` queries, computed, rendered and
 * delivered to mocked SNS/SES clients.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { createSesHtmlSender } from './deliver-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import type { DigestConfig } from '../../rules/schema';
import { createAlertsTable } from '../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { createIncidentStore, type IncidentStore } from '../shared/incidents/store';
import { buildDigest, runDigest } from './run';
import {
  SAMPLE_DIGEST,
  SAMPLE_RUN_AT,
  recordingLogger,
  sampleHistory,
  seedIncidents,
  type IncidentScript,
} from './test-support';

const SEC = 1_000;
const MIN = 60 * SEC;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:digest';
const sns = mockClient(SNSClient);
const ses = mockClient(SESv2Client);

let db: LocalDynamoDb;
let tables = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(async () => db?.close());
beforeEach(() => {
  sns.reset();
  ses.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

async function seeded(scripts: readonly IncidentScript[]): Promise<IncidentStore> {
  const tableName = `digest-${++tables}`;
  await createAlertsTable(db.client, tableName);
  const store = createIncidentStore({ doc: db.doc, tableName, now: () => SAMPLE_RUN_AT });
  await seedIncidents(store, scripts);
  return store;
}

const build = (store: IncidentStore, at: Date, config: DigestConfig = SAMPLE_DIGEST) =>
  buildDigest({ incidents: store, config, rules: ruleSet.rules }, at);

function run(store: IncidentStore, at: Date, config: DigestConfig = SAMPLE_DIGEST) {
  const logger = recordingLogger();
  const result = runDigest(
    {
      incidents: store,
      config,
      rules: ruleSet.rules,
      delivery: {
        sns: new SNSClient({}),
        topicArn: TOPIC,
        html:
          config.sender === undefined ? undefined : createSesHtmlSender(new SESv2Client({}), config.sender),
      },
      logger,
    },
    at,
  );
  return { result, logger };
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('digest on a seeded history', () => {
  it('computes the exact figures of a known week', async () => {
    const store = await seeded(sampleHistory());
    const { figures } = await build(store, SAMPLE_RUN_AT);

    expect(figures.incidents).toBe(9);
    expect(figures.bySeverity).toEqual({ page: 3, ticket: 3, info: 3 });
    expect(figures.byRule.map((r) => [r.ruleId, r.count])).toEqual([
      ['registered-user-faults', 3],
      ['slow-registered-users', 3],
      ['anonymous-users', 2],
      ['registered-users', 1],
    ]);
    // 14 distinct names; one incident's enrichment was partial, so "at least".
    expect(figures.users).toEqual({ distinct: 14, lowerBound: true });
    expect(figures.anonymousRequests).toBe(12 + 240 + 40 + 85 + 7);
    // Paged: 30 s, 45 s, 90 s, 120 s → median 67.5 s.
    expect(figures.timeToPage).toEqual({ count: 4, medianMs: 67_500, worstMs: 120 * SEC });
    // Resolved in the week: 5, 15, 20, 25, 38, 50, 70, 145 min → median 31.5 min.
    expect(figures.timeToResolve).toEqual({ count: 8, medianMs: 31.5 * MIN, worstMs: 145 * MIN });
    expect(figures.longest).toMatchObject({
      ruleId: 'registered-user-faults',
      firstFiredAt: new Date('2026-11-18T11:47:00Z'),
      durationMs: 145 * MIN,
      ongoing: false,
    });
    expect(figures.ongoing.map((i) => [i.firstFiredAt.toISOString(), i.durationMs])).toEqual([
      ['2026-11-22T22:10:00.000Z', 110 * MIN],
    ]);
    expect(figures.silenced.map((r) => [r.ruleId, r.count])).toEqual([['slow-registered-users', 2]]);
    expect(figures.testIncidentsExcluded).toBe(1);
    expect(figures.days.map((d) => [d.date, d.total])).toEqual([
      ['2026-11-16', 2],
      ['2026-11-17', 1],
      ['2026-11-18', 2],
      ['2026-11-19', 1],
      ['2026-11-20', 1],
      ['2026-11-21', 1],
      ['2026-11-22', 1],
    ]);
    expect(figures.previous).toEqual({
      incidents: 4,
      distinctUsers: 3,
      usersLowerBound: false,
      medianTimeToResolveMs: 40 * MIN,
    });
    expect(figures.users.names).toBeUndefined();
  });

  it('publishes the text digest to the topic and says why no HTML went out', async () => {
    const store = await seeded(sampleHistory());
    const { result, logger } = run(store, SAMPLE_RUN_AT);
    const { message, delivery } = await result;

    expect(delivery).toEqual({ snsMessageId: 'sns-1', email: 'skipped-no-sender', sesMessageIds: [] });
    const [call] = sns.commandCalls(PublishCommand);
    expect(call?.args[0].input).toEqual({ TopicArn: TOPIC, Subject: message.subject, Message: message.text });
    expect(message.subject).toBe('User-impact digest 16-22 Nov 2026: 9 incidents, 14+ users affected');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(logger.lines.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/^HTML digest not sent: no SES sender configured/),
    );
    // Counts only by default: no seeded username reaches either version.
    for (const name of ['alice', 'mallory', 'peggy']) {
      expect(message.text).not.toContain(name);
      expect(message.html).not.toContain(name);
    }
  });

  it('mails the HTML version through SES when the digest names a sender, with users named if asked', async () => {
    const store = await seeded(sampleHistory());
    const config: DigestConfig = {
      ...SAMPLE_DIGEST,
      sender: 'digest@example.com',
      recipients: ['a@example.com', 'b@example.com'],
      nameUsers: true,
    };
    const { message, delivery } = await run(store, SAMPLE_RUN_AT, config).result;
    expect(delivery.email).toBe('sent');
    const [call] = ses.commandCalls(SendEmailCommand);
    expect(call?.args[0].input).toMatchObject({
      FromEmailAddress: 'digest@example.com',
      Destination: { ToAddresses: ['a@example.com', 'b@example.com'] },
      Content: { Simple: { Body: { Html: { Data: message.html } } } },
    });
    expect(message.html).toContain('alice, bob, carol');
    expect(message.text).toContain('alice, bob, carol');
  });

  it('sends a short "no incidents" digest for a quiet period instead of nothing', async () => {
    const history = sampleHistory();
    const store = await seeded(history);
    const quietWeek = new Date('2026-12-07T08:00:00Z');
    const stillOpen = history.filter((s) => s.resolvedAfterMs === undefined && !s.test).map((s) => s.title);
    const { message, figures } = await run(store, quietWeek).result;

    expect(figures.incidents).toBe(0);
    expect(message.subject).toBe('User-impact digest 30 Nov - 6 Dec 2026: no incidents');
    expect(message.text).toContain('No incidents this week.');
    expect(message.text).toContain('Last week: 0 incidents.');
    expect(message.text).not.toContain('INCIDENTS PER DAY');
    // Quiet, but last week's still-open incident is not forgotten (and not counted).
    const open = figures.carriedOver.map((i) => i.title);
    expect(open).toEqual(stillOpen);
    expect(open.length).toBeGreaterThan(0);
    expect(message.text).toContain('STILL OPEN FROM EARLIER');
    for (const title of open) expect(message.text).toContain(title);
    expect(message.text.split('\n').length).toBeLessThan(10 + 3 * open.length);
    expect(message.html).toContain('No incidents this week.');
    expect(message.html).toContain('Still open from earlier');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('counts an incident spanning the boundary once, in its start period, as ongoing', async () => {
    const store = await seeded([
      {
        ruleId: 'registered-user-faults',
        severity: 'page',
        title: 'Faults',
        at: '2026-11-22T23:30:00Z',
        pagedAfterMs: 20 * SEC,
        resolvedAfterMs: 75 * MIN,
        users: ['u1'],
      },
    ]);
    const started = await build(store, SAMPLE_RUN_AT);
    expect(started.figures.incidents).toBe(1);
    expect(started.figures.ongoing).toMatchObject([{ durationMs: 30 * MIN, ongoing: true }]);
    expect(started.figures.timeToResolve.count).toBe(0);
    expect(started.message.text).toContain('STILL OPEN AT PERIOD END');
    expect(started.message.text).toContain('since Sun 22 Nov 23:30, open 30 min by period end');

    // The week it resolved in does not count it again.
    const next = await build(store, new Date('2026-11-30T08:00:00Z'));
    expect(next.figures.incidents).toBe(0);
    expect(next.figures.previous.incidents).toBe(1);
    expect(next.message.text).toContain('No incidents this week.');
  });

  it('reports a DST week in London as 169 hours with incidents on their local days', async () => {
    const at = (iso: string, ruleId: string): IncidentScript => ({
      ruleId,
      severity: 'ticket',
      title: ruleId,
      at: iso,
      resolvedAfterMs: 10 * MIN,
    });
    const store = await seeded([
      at('2026-10-18T22:59:00Z', 'a'), // Sun 18 Oct 23:59 BST: the week before
      at('2026-10-18T23:00:00Z', 'b'), // Mon 19 Oct 00:00 BST: first instant of the week
      at('2026-10-25T00:30:00Z', 'c'), // Sun 25 Oct 01:30 BST
      at('2026-10-25T01:30:00Z', 'd'), // Sun 25 Oct 01:30 GMT, an hour later
      at('2026-10-25T23:59:00Z', 'e'), // Sun 25 Oct 23:59 GMT
      at('2026-10-26T00:00:00Z', 'f'), // Mon 26 Oct: the next week
    ]);
    const { figures, message } = await build(store, new Date('2026-10-26T08:00:00Z'));

    expect(figures.period.hours).toBe(169);
    expect(figures.period.start.toISOString()).toBe('2026-10-18T23:00:00.000Z');
    expect(figures.days.map((d) => [d.date, d.total])).toEqual([
      ['2026-10-19', 1],
      ['2026-10-20', 0],
      ['2026-10-21', 0],
      ['2026-10-22', 0],
      ['2026-10-23', 0],
      ['2026-10-24', 0],
      ['2026-10-25', 3],
    ]);
    expect(figures.byRule.map((r) => r.ruleId).sort()).toEqual(['b', 'c', 'd', 'e']);
    expect(figures.previous.incidents).toBe(1);
    expect(message.text).toContain('This period lasted 169 hours, not 168: the clocks changed.');
    expect(message.text).toMatch(/^ {2}Sun 25 Oct \|\+{30}\| +3$/m);
  });

  it('keeps a 500-incident week under the SNS limit with "+N more" for long lists', async () => {
    const scripts: IncidentScript[] = [];
    const RULES = 60;
    for (let i = 0; i < 500; i++) {
      const rule = i % RULES;
      const lane = Math.floor(i / RULES);
      const last = lane === Math.floor((500 - 1 - rule) / RULES);
      scripts.push({
        ruleId: `rule-${String(rule).padStart(2, '0')}`,
        severity: (['page', 'ticket', 'info'] as const)[rule % 3]!,
        title: `Rule ${rule}: ${'a long and descriptive title '.repeat(3)}`,
        // Each rule fires every ~18 h, one lane after another, all inside the week.
        at: new Date(
          Date.parse('2026-11-16T00:10:00Z') + lane * 18 * 3_600_000 + rule * 60_000,
        ).toISOString(),
        pagedAfterMs: 30 * SEC,
        ...(last ? {} : { resolvedAfterMs: 20 * MIN }),
        users: Array.from({ length: 20 }, (_, u) => `user-${i}-${u}`),
        silenced: rule < 30 && lane === 0,
      });
    }
    const store = await seeded(scripts);
    const config = { ...SAMPLE_DIGEST, nameUsers: true };
    const { message, figures, delivery } = await run(store, SAMPLE_RUN_AT, config).result;

    expect(figures.incidents).toBe(500);
    expect(figures.ongoing).toHaveLength(RULES);
    expect(figures.users.distinct).toBe(500 * 20);
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(delivery.snsMessageId).toBe('sns-1');
    expect(bytes(published)).toBeLessThanOrEqual(262_144);
    expect(published).toBe(message.text);
    for (const text of [message.text, message.html]) {
      expect(text).toContain('+50 more rules');
      expect(text).toContain('+50 more open incidents');
      expect(text).toContain('+20 more silenced rules');
      expect(text).toContain('+9,900 more users');
    }
    expect(bytes(message.html)).toBeLessThan(262_144);
  }, 90_000);
});
