import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors';
import { loadDigestConfig, runTime } from './config';
import { SAMPLE_DIGEST } from './test-support';

const env = {
  ALERTS_TABLE_NAME: 'UiaAlerting-AlertsTable-1ABC',
  DIGEST_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:UiaAlerting-DigestTopic-XYZ',
};

describe('loadDigestConfig', () => {
  it('reads table, topic and optional sender, and takes the schedule from the rule set', () => {
    expect(loadDigestConfig(SAMPLE_DIGEST, env)).toEqual({
      tableName: env.ALERTS_TABLE_NAME,
      topicArn: env.DIGEST_TOPIC_ARN,
      sender: undefined,
      digest: SAMPLE_DIGEST,
    });
    expect(loadDigestConfig(SAMPLE_DIGEST, { ...env, DIGEST_SENDER: 'digest@example.com' }).sender).toBe(
      'digest@example.com',
    );
    expect(loadDigestConfig(SAMPLE_DIGEST, { ...env, DIGEST_SENDER: '' }).sender).toBeUndefined();
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadDigestConfig(SAMPLE_DIGEST, { DIGEST_TOPIC_ARN: 'digest-topic', DIGEST_SENDER: 'not-an-email' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/ALERTS_TABLE_NAME/);
    expect(problems).toMatch(/DIGEST_TOPIC_ARN: not an SNS topic ARN/);
    expect(problems).toMatch(/DIGEST_SENDER/);
  });

  it('refuses a rule set whose time zone luxon does not know', () => {
    expect(() => loadDigestConfig({ ...SAMPLE_DIGEST, timezone: 'Mars/Olympus' }, env)).toThrow(
      /digest.timezone: unknown IANA time zone "Mars\/Olympus"/,
    );
  });
});

describe('runTime', () => {
  const now = () => new Date('2026-11-23T08:00:07Z');

  it('reports on the scheduled time, not the clock, so a late retry covers the same period', () => {
    expect(runTime({ scheduledTime: '2026-11-23T08:00:00Z' }, now).toISOString()).toBe(
      '2026-11-23T08:00:00.000Z',
    );
  });

  it('falls back to the clock for a manual invoke without one', () => {
    expect(runTime({}, now).toISOString()).toBe('2026-11-23T08:00:07.000Z');
    expect(runTime(null, now).toISOString()).toBe('2026-11-23T08:00:07.000Z');
  });

  it('rejects a scheduled time that is not an ISO instant', () => {
    expect(() => runTime({ scheduledTime: 'next monday' }, now)).toThrow(ConfigError);
  });
});
