/**
 * The Lambda entry point configured purely from the environment, as the local pipeline and
 * AWS run it: endpoints through the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, the
 * Slack API URL through `SLACK_API_URL`, the token only by secret id.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../functions/shared/errors';
import { alarmEvent } from './events';
import {
  CREDENTIALS,
  DLQ,
  INCIDENT_BUS,
  ONCALL_TOPIC,
  REGION,
  SLACK_SECRET,
  faultTrace,
  lambdaContext,
  startHarness,
  type Harness,
} from './harness';
import { createAlertsTable } from '../../local/alerts-table';
import { writeRuleSetFile, type RuleSetFile } from '../../local/rule-set-file';
import { ruleSet as shippedRuleSet } from '../../rules';
import { alarmName } from '../../rules/names';
import type { RuleSet } from '../../rules/schema';

let h: Harness;
let deployed: RuleSetFile;
const TABLE = 'uia-alerts-handler';

function environment(): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: h.dynamo.endpoint,
    AWS_ENDPOINT_URL_XRAY: h.xray.url,
    AWS_ENDPOINT_URL_SNS: h.sns.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: h.secrets.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: h.eventBridge.url,
    AWS_ENDPOINT_URL_SQS: h.sqs.url,
    ALERTS_TABLE_NAME: TABLE,
    UIA_RULE_SET_FILE: deployed.path,
    ONCALL_TOPIC_ARN: ONCALL_TOPIC,
    SLACK_TOKEN_SECRET_ID: SLACK_SECRET,
    SLACK_API_URL: h.slack.apiUrl,
    DEAD_LETTER_QUEUE_URL: h.sqs.queueUrl(DLQ),
    EVENT_SOURCE_ACCOUNTS: '123456789012',
    INCIDENT_EVENT_BUS_NAME: INCIDENT_BUS,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
}

const saved = { ...process.env };

beforeAll(async () => {
  h = await startHarness();
  await createAlertsTable(h.dynamo.client, TABLE);
  deployed = await writeRuleSetFile(shippedRuleSet);
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([h?.close(), deployed?.close()]);
});

async function freshHandler(env: Record<string, string>) {
  process.env = { ...saved, ...env };
  vi.resetModules();
  return (await import('../../functions/notifier/handler')).handler;
}

describe('notifier handler from the environment', () => {
  it('pages in Slack and by email, and dead-letters a malformed event without throwing', async () => {
    const handler = await freshHandler(environment());
    const at = new Date('2026-04-01T08:00:00Z');
    h.traces.put(faultTrace(1, 'maria', at.getTime() - 60_000));

    const result = await handler(alarmEvent({ id: 'env-1', at, from: 'OK', to: 'ALARM' }), lambdaContext());
    expect(result).toMatchObject({ kind: 'processed', change: 'opened', slack: ['root'], email: 'sent' });
    const [root] = h.slack.messages('shop-oncall');
    expect(root?.text).toContain('FIRING');
    expect(h.sns.published(ONCALL_TOPIC)).toHaveLength(1);
    await h.bus.idle();
    expect(h.incidentEvents().map((e) => e['detail-type'])).toEqual(['Incident Updated']);
    // The token went to Slack as a credential, and was read by id from Secrets Manager.
    expect(h.secrets.reads()).toEqual([SLACK_SECRET]);

    const bad = await handler(
      { ...alarmEvent({ id: 'env-2', at, from: 'OK', to: 'ALARM' }), region: 'nowhere' },
      lambdaContext(),
    );
    expect(bad).toMatchObject({ kind: 'dead-lettered', reason: expect.stringContaining('event.region') });
    expect(h.sqs.messages(DLQ)).toHaveLength(1);
  });

  it('fails every invocation with the full list of configuration problems', async () => {
    const { DEAD_LETTER_QUEUE_URL: _dlq, ...env } = environment();
    const handler = await freshHandler({ ...env, ONCALL_TOPIC_ARN: 'oncall', REOPEN_WINDOW_MINUTES: '-1' });
    const failure = handler(
      alarmEvent({ id: 'env-3', at: new Date(), from: 'OK', to: 'ALARM' }),
      lambdaContext(),
    );
    // A fresh module graph has its own ConfigError class: compare by name.
    await expect(failure).rejects.toMatchObject({ name: ConfigError.name });
    await expect(failure).rejects.toThrow(/ONCALL_TOPIC_ARN: not an SNS topic ARN/);
    await expect(failure).rejects.toThrow(/DEAD_LETTER_QUEUE_URL/);
    await expect(failure).rejects.toThrow(/REOPEN_WINDOW_MINUTES/);
  });

  it('reads its rules from the deployment, not from its bundle', async () => {
    // A rule this repository does not ship: only the deployed file knows it.
    const base = shippedRuleSet.rules.find((r) => r.id === 'registered-user-faults')!;
    const custom: RuleSet = {
      ...shippedRuleSet,
      // Alone in its set, it inhibits nothing (the shipped rule names one that is not deployed here).
      rules: [
        { ...base, id: 'checkout-faults', title: 'Checkout faults for signed-in shoppers', inhibits: [] },
      ],
    };
    const file = await writeRuleSetFile(custom);
    try {
      const handler = await freshHandler({ ...environment(), UIA_RULE_SET_FILE: file.path });
      const at = new Date('2026-04-02T08:00:00Z');
      const event = alarmEvent({
        id: 'env-4',
        at,
        from: 'OK',
        to: 'ALARM',
        alarmName: alarmName(custom.namePrefix, 'checkout-faults'),
      });
      const result = await handler(event, lambdaContext());
      expect(result).toMatchObject({ kind: 'processed', change: 'opened' });
      const roots = h.slack.messages('shop-oncall').map((m) => m.text ?? '');
      expect(roots.some((text) => text.includes('Checkout faults for signed-in shoppers'))).toBe(true);
      // The shipped rule is not in the deployed set: its alarm is not this deployment's.
      const shipped = await handler(
        alarmEvent({ id: 'env-5', at, from: 'OK', to: 'ALARM' }),
        lambdaContext(),
      );
      expect(shipped).toMatchObject({ kind: 'ignored' });
    } finally {
      await file.close();
    }
  });

  it('refuses to start without a deployed rule set, saying what to do', async () => {
    const handler = await freshHandler({ ...environment(), UIA_RULE_SET_FILE: '/nonexistent/rule-set.json' });
    const failure = handler(
      alarmEvent({ id: 'env-6', at: new Date(), from: 'OK', to: 'ALARM' }),
      lambdaContext(),
    );
    await expect(failure).rejects.toMatchObject({ name: ConfigError.name });
    await expect(failure).rejects.toThrow(
      /UIA_RULE_SET_FILE: cannot read the rule set at \/nonexistent\/rule-set.json \(ENOENT\)/,
    );
    await expect(failure).rejects.toThrow(/UserImpactAlerting construct/);
  });
});
