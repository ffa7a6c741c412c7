import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors';
import { DEFAULT_REOPEN_WINDOW_MINUTES, loadNotifierConfig } from './config';

const env = {
  ALERTS_TABLE_NAME: 'UiaAlerting-AlertsTable-1ABC',
  ONCALL_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:UiaAlerting-OnCallTopic-XYZ',
  SLACK_TOKEN_SECRET_ID: 'uia/slack-bot-token',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/uia-notifier-dlq',
  EVENT_SOURCE_ACCOUNTS: '123456789012',
};

describe('loadNotifierConfig', () => {
  it('reads the required variables and applies documented defaults', () => {
    expect(loadNotifierConfig(env)).toEqual({
      tableName: env.ALERTS_TABLE_NAME,
      onCallTopicArn: env.ONCALL_TOPIC_ARN,
      slackTokenSecretId: env.SLACK_TOKEN_SECRET_ID,
      deadLetterQueueUrl: env.DEAD_LETTER_QUEUE_URL,
      eventAccounts: ['123456789012'],
      incidentEventBusName: undefined,
      slackApiUrl: undefined,
      reopenWindowMs: DEFAULT_REOPEN_WINDOW_MINUTES * 60_000,
      slackTokenMaxAgeSeconds: 300,
      samplingRate: undefined,
    });
  });

  it('takes the optional variables, treating empty as unset', () => {
    const config = loadNotifierConfig({
      ...env,
      INCIDENT_EVENT_BUS_NAME: 'uia-incidents',
      SLACK_API_URL: 'http://127.0.0.1:4100/api/',
      REOPEN_WINDOW_MINUTES: '30',
      SLACK_TOKEN_MAX_AGE_SECONDS: '',
      TRACE_SAMPLING_RATE: '0.05',
    });
    expect(config).toMatchObject({
      incidentEventBusName: 'uia-incidents',
      slackApiUrl: 'http://127.0.0.1:4100/api/',
      reopenWindowMs: 30 * 60_000,
      slackTokenMaxAgeSeconds: 300,
      samplingRate: 0.05,
    });
  });

  it('reads the accounts whose events are ours, own account first', () => {
    expect(
      loadNotifierConfig({ ...env, EVENT_SOURCE_ACCOUNTS: '123456789012,210987654321' }).eventAccounts,
    ).toEqual(['123456789012', '210987654321']);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadNotifierConfig({
        ONCALL_TOPIC_ARN: 'oncall',
        SLACK_API_URL: 'slack',
        REOPEN_WINDOW_MINUTES: '1.5',
        EVENT_SOURCE_ACCOUNTS: '123456789012,me',
        TRACE_SAMPLING_RATE: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'ALERTS_TABLE_NAME',
      'ONCALL_TOPIC_ARN: not an SNS topic ARN',
      'SLACK_TOKEN_SECRET_ID',
      'DEAD_LETTER_QUEUE_URL',
      'SLACK_API_URL',
      'REOPEN_WINDOW_MINUTES',
      'EVENT_SOURCE_ACCOUNTS: not a comma-separated list of 12-digit AWS account ids',
      'TRACE_SAMPLING_RATE',
    ]) {
      expect(problems).toContain(name);
    }
  });
});
