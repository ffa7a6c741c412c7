import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, isSecretKey, redactSecrets, redactString } from './logger';

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

/** One line logged through the real logger, as written to stdout/stderr. */
function written(log: (logger: ReturnType<typeof createLogger>) => void): {
  line: Record<string, unknown>;
  text: string;
} {
  const out = captureOutput();
  try {
    log(createLogger({ serviceName: 'redaction-test' }));
  } finally {
    out.restore();
  }
  const [line] = out.lines();
  if (!line) throw new Error('nothing was written');
  return { line, text: JSON.stringify(line) };
}

describe('every secret shape is redacted in the line actually written', () => {
  const SLACK = {
    bot: 'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    user: 'xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef',
    app: 'xoxa-2-1234567890-abcdef',
    legacy: 'xoxo-1234-abcd',
    workspace: 'xoxs-1234-abcd',
    refresh: 'xoxr-1234-abcd',
    appLevel: 'xapp-1-A0123456789-1234567890123-abcdef0123456789',
  };

  it.each(Object.entries(SLACK))('Slack %s token in a message and in a nested field', (_kind, token) => {
    const { text, line } = written((logger) =>
      logger.warn(`slack said invalid_auth for ${token}`, {
        config: { header: `Bearer ${token}` },
        note: token,
      }),
    );
    expect(text).not.toContain(token);
    expect(line['message']).toBe('slack said invalid_auth for [redacted]');
    expect(line['note']).toBe('[redacted]');
  });

  // Keys as they appear in events, SDK responses and config objects, in the casings seen in the wild.
  it.each([
    ['SecretString', { SecretString: 'xoxb-not-shaped-like-anything', Name: 'uia/slack-bot-token' }],
    ['SecretBinary', { SecretBinary: 'AAECAwQ=' }],
    ['password', { username: 'alice', password: 'hunter2-correct-horse' }],
    ['Password (nested, capitalised)', { db: { Password: 'hunter2-correct-horse' } }],
    ['dbPassword', { dbPassword: 'hunter2-correct-horse' }],
    ['clientSecret', { clientSecret: 'cs-1234567890abcdef' }],
    ['client_secret', { client_secret: 'cs-1234567890abcdef' }],
    ['X-Api-Key header', { headers: { 'X-Api-Key': 'ak-1234567890abcdef' } }],
    ['x-api-key header (lower case)', { headers: { 'x-api-key': 'ak-1234567890abcdef' } }],
    ['apiKey', { apiKey: 'ak-1234567890abcdef' }],
    ['Proxy-Authorization header', { headers: { 'Proxy-Authorization': 'Basic dXNlcjpwYXNz' } }],
    ['Authorization header', { headers: { Authorization: 'Bearer opaque-1234567890' } }],
    ['Cookie header', { headers: { Cookie: 'cartId=opaque-1234567890' } }],
    ['Set-Cookie header', { headers: { 'Set-Cookie': 'session=opaque-1234567890' } }],
    ['X-Amz-Security-Token header', { headers: { 'X-Amz-Security-Token': 'IQoJb3JpZ2luX2VjEOPAQUE' } }],
    ['refresh_token', { refresh_token: 'opaque-1234567890' }],
    ['slackToken', { slackToken: 'opaque-1234567890' }],
    ['jwt', { jwt: 'opaque-1234567890' }],
    ['privateKey', { privateKey: 'opaque-1234567890' }],
    [
      'credentials object',
      { credentials: { accessKeyId: 'AKIA0000', secretAccessKey: 'opaque-1234567890' } },
    ],
    ['secretAccessKey', { secretAccessKey: 'opaque-1234567890' }],
  ])('%s', (_name, extra) => {
    const secrets = JSON.stringify(extra).match(
      /(hunter2-correct-horse|cs-1234567890abcdef|ak-1234567890abcdef|opaque-1234567890|IQoJb3JpZ2luX2VjEOPAQUE|dXNlcjpwYXNz|AAECAwQ=|xoxb-not-shaped-like-anything)/g,
    );
    expect(secrets?.length).toBeGreaterThan(0);
    const { text } = written((logger) => logger.info('request', { event: extra }));
    for (const secret of secrets ?? []) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it.each([
    [
      'Bearer credential in text',
      'proxy replied 407 to Authorization: Bearer opaque-1234567890',
      'Bearer [redacted]',
    ],
    ['Basic credential in text', 'sent Basic dXNlcjpwYXNz upstream', 'Basic [redacted]'],
    [
      'token= in a query string',
      'GET https://api.example.com/v1?user=a&token=opaque-1234567890&page=2',
      'token=[redacted]&page=2',
    ],
    ['password= in a form body', 'body user=alice&password=hunter2-correct-horse', 'password=[redacted]'],
    [
      'client_secret: in text',
      'config client_secret: cs-1234567890abcdef loaded',
      'client_secret: [redacted]',
    ],
    ['api_key= in text', 'retrying with api_key=ak-1234567890abcdef', 'api_key=[redacted]'],
    [
      'URL with user-info',
      'connecting to https://shop:hunter2-correct-horse@db.internal:5432/x',
      'https://shop:[redacted]@db.internal',
    ],
    [
      'PEM private key',
      'key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- loaded',
      'key [redacted] loaded',
    ],
    ['JWT in text', `got token ${TOKEN}`, 'got token [redacted]'],
  ])('%s', (_name, message, expected) => {
    const { line, text } = written((logger) => logger.error(message));
    expect(line['message']).toContain(expected);
    for (const secret of [
      'opaque-1234567890',
      'dXNlcjpwYXNz',
      'hunter2-correct-horse',
      'cs-1234567890abcdef',
      'ak-1234567890abcdef',
      'MIIEvQIBADANBg',
      TOKEN,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('redacts secrets inside a logged Error: message, stack and cause', () => {
    const token = SLACK.bot;
    const error = new Error(`chat.postMessage failed for ${token}`, {
      cause: new Error(`upstream rejected password=hunter2-correct-horse`),
    });
    const { text } = written((logger) => logger.error('delivery failed', error));
    expect(text).toContain('chat.postMessage failed for [redacted]');
    expect(text).not.toContain(token);
    expect(text).not.toContain('hunter2-correct-horse');
  });
});

describe('redactSecrets', () => {
  it('leaves ordinary values alone', () => {
    expect(redactSecrets('username', 'alice')).toBe('alice');
    expect(redactSecrets('quantity', 3)).toBe(3);
    expect(redactString('alarm uia--registered-user-faults--trace-count entered ALARM')).toBe(
      'alarm uia--registered-user-faults--trace-count entered ALARM',
    );
  });

  it('keeps keys that only name a secret, and pagination cursors, readable', () => {
    for (const key of [
      'SLACK_TOKEN_SECRET_ID',
      'secretId',
      'secretName',
      'tokenUse',
      'NextToken',
      'nextToken',
      'tokens',
    ])
      expect(isSecretKey(key), key).toBe(false);
    expect(redactSecrets('SLACK_TOKEN_SECRET_ID', 'uia/slack-bot-token')).toBe('uia/slack-bot-token');
    expect(redactSecrets('NextToken', 'eyJ-not-a-jwt')).toBe('eyJ-not-a-jwt');
  });

  it('treats keys case- and separator-insensitively', () => {
    for (const key of [
      'X-Api-Key',
      'x_api_key',
      'xApiKey',
      'PROXY-AUTHORIZATION',
      'Client-Secret',
      'secret_string',
    ])
      expect(isSecretKey(key), key).toBe(true);
  });
});
