import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, redactSecrets } from './logger';

const TOKEN = 'eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJl';

/** Powertools writes info to stdout and warn/error to stderr. */
function captureOutput(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const chunks: string[] = [];
  const record = (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

describe('createLogger', () => {
  const saved = process.env._X_AMZN_TRACE_ID;
  afterEach(() => {
    if (saved === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = saved;
  });

  it('puts the current X-Ray trace id on every line', () => {
    const out = captureOutput();
    try {
      const logger = createLogger({ serviceName: 'shop-test' });
      process.env._X_AMZN_TRACE_ID =
        'Root=1-65f00000-000000000000000000000001;Parent=1111111111111111;Sampled=1';
      logger.info('first');
      process.env._X_AMZN_TRACE_ID =
        'Root=1-65f00000-000000000000000000000002;Parent=2222222222222222;Sampled=1';
      logger.warn('second');
    } finally {
      out.restore();
    }
    expect(out.lines().map((line) => [line['message'], line['xray_trace_id']])).toEqual([
      ['first', '1-65f00000-000000000000000000000001'],
      ['second', '1-65f00000-000000000000000000000002'],
    ]);
  });

  it('never writes tokens, the Authorization header or cookies, even from a raw event', () => {
    const out = captureOutput();
    try {
      const logger = createLogger({ serviceName: 'shop-test' });
      logger.info(`got token ${TOKEN}`, {
        event: {
          headers: { Authorization: `Bearer ${TOKEN}`, Cookie: 'cartId=secret-cart', Accept: 'text/html' },
          multiValueHeaders: { cookie: ['cartId=secret-cart'] },
        },
        idToken: 'opaque-value',
      });
    } finally {
      out.restore();
    }
    const [line] = out.lines();
    const text = JSON.stringify(line);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('secret-cart');
    expect(text).not.toContain('opaque-value');
    expect(line).toMatchObject({
      message: 'got token [redacted]',
      event: { headers: { Authorization: '[redacted]', Cookie: '[redacted]', Accept: 'text/html' } },
    });
  });
});

describe('redactSecrets', () => {
  it('leaves ordinary values alone', () => {
    expect(redactSecrets('username', 'alice')).toBe('alice');
    expect(redactSecrets('quantity', 3)).toBe(3);
  });
});
