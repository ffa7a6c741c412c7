import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signature, verifyRequest } from './verify-request';

// Slack's worked example ("Verifying requests from Slack", docs/slack-interactivity.md).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SLACK_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT = new Date(Number(TS) * 1000 + 30_000);

describe('verifyRequest', () => {
  it('accepts Slack’s own example, headers in any case', () => {
    expect(signature(SECRET, TS, BODY)).toBe(SLACK_SIGNATURE);
    const headers = { 'X-Slack-Request-Timestamp': TS, 'X-Slack-Signature': SLACK_SIGNATURE };
    expect(verifyRequest({ headers, rawBody: BODY }, SECRET, AT)).toMatchObject({
      ok: true,
      timestamp: Number(TS),
    });
  });

  it('the signature matrix: each problem has its own reason', () => {
    const ok = { 'x-slack-request-timestamp': TS, 'x-slack-signature': SLACK_SIGNATURE };
    const cases: Array<[string, Record<string, string>, string, Date, string]> = [
      ['no signature', { 'x-slack-request-timestamp': TS }, BODY, AT, 'missing-signature-headers'],
      ['no timestamp', { 'x-slack-signature': SLACK_SIGNATURE }, BODY, AT, 'missing-signature-headers'],
      ['empty signature', { ...ok, 'x-slack-signature': '' }, BODY, AT, 'missing-signature-headers'],
      [
        'timestamp not a number',
        { ...ok, 'x-slack-request-timestamp': '15314e9' },
        BODY,
        AT,
        'malformed-timestamp',
      ],
      ['5 min + 1 s old', ok, BODY, new Date(Number(TS) * 1000 + 301_000), 'stale-timestamp'],
      ['5 min + 1 s ahead', ok, BODY, new Date(Number(TS) * 1000 - 301_000), 'stale-timestamp'],
      [
        'v1 scheme',
        { ...ok, 'x-slack-signature': SLACK_SIGNATURE.replace('v0=', 'v1=') },
        BODY,
        AT,
        'malformed-signature',
      ],
      [
        'upper-case hex',
        { ...ok, 'x-slack-signature': SLACK_SIGNATURE.toUpperCase().replace('V0=', 'v0=') },
        BODY,
        AT,
        'malformed-signature',
      ],
      [
        'truncated',
        { ...ok, 'x-slack-signature': SLACK_SIGNATURE.slice(0, -2) },
        BODY,
        AT,
        'malformed-signature',
      ],
      ['one body byte changed', ok, BODY.replace('roadrunner', 'roadrunnes'), AT, 'invalid-signature'],
      [
        'timestamp changed',
        { ...ok, 'x-slack-request-timestamp': String(Number(TS) + 1) },
        BODY,
        AT,
        'invalid-signature',
      ],
    ];
    for (const [row, headers, body, now, reason] of cases) {
      expect(verifyRequest({ headers, rawBody: body }, SECRET, now), row).toEqual({ ok: false, reason });
    }
    // Exactly 5 minutes is still inside.
    expect(
      verifyRequest({ headers: ok, rawBody: BODY }, SECRET, new Date(Number(TS) * 1000 + 300_000)).ok,
    ).toBe(true);
  });

  it('accepts exactly the bodies signed with the secret (any body, any other secret refused)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (body, other) => {
        const headers = { 'x-slack-request-timestamp': TS, 'x-slack-signature': signature(SECRET, TS, body) };
        expect(verifyRequest({ headers, rawBody: body }, SECRET, AT).ok).toBe(true);
        if (other !== SECRET) {
          expect(verifyRequest({ headers, rawBody: body }, other, AT)).toEqual({
            ok: false,
            reason: 'invalid-signature',
          });
        }
      }),
    );
  });
});
