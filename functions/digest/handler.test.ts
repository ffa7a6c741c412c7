/**
 * The Lambda entry point as Lambda loads it: environment read at init, the deployed rule set's
 * digest config (UIA_RULE_SET_FILE), the SDK's own DynamoDB client pointed at a local DynamoDB through the standard
 * AWS_ENDPOINT_URL_DYNAMODB variable, SNS and SES mocked.
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAlertsTable } from '../../local/alerts-table';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { writeRuleSetFile, type RuleSetFile } from '../../local/rule-set-file';
import { ruleSet } from '../../rules';
import type { ConfigError } from '../shared/errors';
import { createIncidentStore } from '../shared/incidents/store';
import { SAMPLE_RUN_AT, sampleHistory, seedIncidents } from './test-support';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:digest';
const sns = mockClient(SNSClient);
const ses = mockClient(SESv2Client);
let db: LocalDynamoDb;
let deployed: RuleSetFile;
let withRecipient: RuleSetFile;
const saved = { ...process.env };

beforeAll(async () => {
  db = await startLocalDynamoDb();
  deployed = await writeRuleSetFile(ruleSet);
  // A rule set with a recipient, as a deployment with a sender would have.
  withRecipient = await writeRuleSetFile({
    ...ruleSet,
    digest: { ...ruleSet.digest, recipients: ['boss@example.com'] },
  });
  await createAlertsTable(db.client, 'alerts-handler');
  await seedIncidents(
    createIncidentStore({ doc: db.doc, tableName: 'alerts-handler', now: () => SAMPLE_RUN_AT }),
    sampleHistory(),
  );
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([db?.close(), deployed?.close(), withRecipient?.close()]);
});
beforeEach(() => {
  vi.resetModules();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  process.env = { ...saved, ...db.env, POWERTOOLS_LOG_LEVEL: 'SILENT', UIA_RULE_SET_FILE: deployed.path };
  delete process.env.LAMBDA_TASK_ROOT;
});

describe('digest handler', () => {
  it('builds the digest for the scheduled time and publishes it', async () => {
    process.env.ALERTS_TABLE_NAME = 'alerts-handler';
    process.env.DIGEST_TOPIC_ARN = TOPIC;
    const { handler } = await import('./handler');

    const result = await handler({ scheduledTime: '2026-11-23T08:00:00Z' });

    // The deployed rule set drives the period: weekly, Europe/London.
    expect(ruleSet.digest).toMatchObject({ cadence: 'weekly', timezone: 'Europe/London' });
    expect(result).toEqual({
      periodStart: '2026-11-16T00:00:00.000Z',
      periodEnd: '2026-11-23T00:00:00.000Z',
      incidents: 9,
      snsMessageId: 'sns-1',
      email: 'skipped-no-sender',
      sesMessageIds: [],
    });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.Subject).toMatch(/^User-impact digest 16-22 Nov 2026: 9 incidents/);
  });

  it('fails every invocation with the configuration problems when the environment is wrong', async () => {
    delete process.env.ALERTS_TABLE_NAME;
    process.env.DIGEST_TOPIC_ARN = 'not-an-arn';
    const { handler } = await import('./handler');
    const error = await handler({}).catch((e: unknown) => e);
    // A fresh module graph has its own ConfigError class, so match by name.
    expect(error).toMatchObject({ name: 'ConfigError' });
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'ALERTS_TABLE_NAME',
      'DIGEST_TOPIC_ARN',
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('the text-only entry refuses a configured SES sender instead of silently dropping the HTML digest', async () => {
    process.env.ALERTS_TABLE_NAME = 'alerts-handler';
    process.env.DIGEST_TOPIC_ARN = TOPIC;
    process.env.DIGEST_SENDER = 'digest@example.com';
    const { handler } = await import('./handler');
    const error = await handler({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConfigError' });
    expect((error as ConfigError).problems[0]).toMatch(/handler-html\.ts/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('the HTML entry sends the text digest to SNS and the HTML digest through SES from the sender', async () => {
    process.env.ALERTS_TABLE_NAME = 'alerts-handler';
    process.env.DIGEST_TOPIC_ARN = TOPIC;
    process.env.DIGEST_SENDER = 'digest@example.com';
    process.env.UIA_RULE_SET_FILE = withRecipient.path;
    const { handler } = await import('./handler-html');
    const result = await handler({ scheduledTime: '2026-11-23T08:00:00Z' });
    expect(result).toMatchObject({ snsMessageId: 'sns-1', email: 'sent', sesMessageIds: ['ses-1'] });
    const input = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.FromEmailAddress).toBe('digest@example.com');
    expect(input?.Destination?.ToAddresses).toEqual(['boss@example.com']);
    expect(input?.Content?.Simple?.Body?.Html?.Data).toContain('<html');
  });
});
