import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIdentity, type LocalIdentity } from '../../local/identity';
import { loadIdentityConfig } from '../../functions/shared/config';
import { DependencyError } from '../../functions/shared/errors';
import { FetchError } from 'aws-jwt-verify/error';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import {
  ANONYMOUS,
  MAX_USERNAME_LENGTH,
  createCognitoVerifier,
  isReservedUsername,
  keySourceFetcher,
  resolveIdentity,
  usernameOf,
  type IdentityLog,
  type TokenVerifier,
} from '../../functions/shared/identity';
import { ruleSet } from '../../rules';
import { compileFilter } from '../../rules/filter';
import { traceFromInput } from '../../rules/filter';

const alice = { sub: '7d3c1f1e-0000-4000-8000-000000000001', username: 'alice' };

function recordingLog(): IdentityLog & { lines: { message: string; extra: Record<string, unknown>[] }[] } {
  const lines: { message: string; extra: Record<string, unknown>[] }[] = [];
  return { lines, warn: (message, ...extra) => lines.push({ message, extra }) };
}

let idp: LocalIdentity;
let verifier: TokenVerifier;

beforeAll(async () => {
  idp = await startLocalIdentity();
  verifier = createCognitoVerifier(loadIdentityConfig(idp.env));
});
afterAll(() => idp.close());

describe('resolveIdentity', () => {
  it('takes the username and sub from a verified ID token', async () => {
    const log = recordingLog();
    expect(await resolveIdentity(idp.idToken(alice), verifier, log)).toEqual({
      kind: 'user',
      username: 'alice',
      sub: alice.sub,
    });
    expect(log.lines).toEqual([]);
  });

  it('is anonymous without a token, and says nothing about it', async () => {
    const log = recordingLog();
    expect(await resolveIdentity(undefined, verifier, log)).toEqual({
      kind: 'anonymous',
      reason: 'no_token',
    });
    expect(log.lines).toEqual([]);
  });

  const forgeries: [string, () => string, string][] = [
    ['forged signature', () => idp.forged.wrongKey(alice), 'invalid_signature'],
    ['expired', () => idp.forged.expired(alice), 'expired'],
    ['signed but without exp (never expires)', () => idp.forged.noExpiry(alice), 'no_expiry'],
    ['wrong audience', () => idp.forged.wrongAudience(alice), 'wrong_client'],
    ['another user pool', () => idp.forged.otherPool(alice), 'wrong_issuer'],
    ['alg: none (no signature)', () => idp.forged.algNone(alice), 'malformed'],
    ['HS256 signed with the public key', () => idp.forged.algConfusion(alice), 'unsupported_algorithm'],
    ['an access token where ID tokens are expected', () => idp.accessToken(alice), 'wrong_token_use'],
    ['garbage', () => 'not-a-jwt', 'malformed'],
  ];

  it.each(forgeries)('is anonymous for %s, logging why but not the token', async (_case, mint, reason) => {
    const token = mint();
    const log = recordingLog();
    expect(await resolveIdentity(token, verifier, log)).toEqual({ kind: 'anonymous', reason });
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]?.extra[0]).toMatchObject({ reason });
    expect(JSON.stringify(log.lines)).not.toContain(token);
    expect(JSON.stringify(log.lines)).not.toContain('alice');
  });

  it('accepts access tokens when configured for them, reading `username`', async () => {
    const accessVerifier = createCognitoVerifier(loadIdentityConfig({ ...idp.env, TOKEN_USE: 'access' }));
    expect(await resolveIdentity(idp.accessToken(alice), accessVerifier, recordingLog())).toMatchObject({
      kind: 'user',
      username: 'alice',
    });
    expect(await resolveIdentity(idp.idToken(alice), accessVerifier, recordingLog())).toMatchObject({
      kind: 'anonymous',
      reason: 'wrong_token_use',
    });
  });
});

describe('usernames', () => {
  const ruleMatches = (username: string) => {
    const trace = traceFromInput({ annotations: { username } }, 'identity-test');
    return ruleSet.rules
      .filter((rule) => compileFilter(rule.group.filterExpression)(trace))
      .map((rule) => rule.id)
      .sort();
  };

  it.each(['anonymous', 'Anonymous', 'ANONYMOUS', ' anonymous ', 'ａｎｏｎｙｍｏｕｓ', 'anony\u200bmous'])(
    'a verified user named %j is annotated distinctly and counted as registered',
    async (name) => {
      const identity = await resolveIdentity(
        idp.idToken({ sub: alice.sub, username: name }),
        verifier,
        recordingLog(),
      );
      expect(identity.kind).toBe('user');
      const annotation = usernameOf(identity);
      expect(annotation).not.toBe(ANONYMOUS);
      expect(annotation).toMatch(/ \(registered\)$/);
      // The shipped rules' filter expressions, evaluated by the same engine the local X-Ray uses.
      expect(ruleMatches(annotation)).toContain('registered-users');
      expect(ruleMatches(annotation)).not.toContain('anonymous-users');
      expect(ruleMatches(ANONYMOUS)).toEqual(['anonymous-users']);
    },
  );

  it('reserves only the word itself, not names that contain it', () => {
    expect(isReservedUsername('anonymous-fan')).toBe(false);
    expect(isReservedUsername('anon')).toBe(false);
    expect(usernameOf({ kind: 'user', username: 'anonymous-fan', sub: alice.sub })).toBe('anonymous-fan');
    expect(usernameOf({ kind: 'anonymous', reason: 'no_token' })).toBe(ANONYMOUS);
  });

  it('normalises usernames to NFC, so one person has one spelling', async () => {
    const decomposed = 'Zoe\u0308';
    const identity = await resolveIdentity(
      idp.idToken({ sub: alice.sub, username: decomposed }),
      verifier,
      recordingLog(),
    );
    expect(usernameOf(identity)).toBe('Zo\u00eb');
  });

  it(`caps usernames at ${MAX_USERNAME_LENGTH} characters, counting characters, not UTF-16 units`, async () => {
    const long = '😀'.repeat(MAX_USERNAME_LENGTH + 50);
    const identity = await resolveIdentity(
      idp.idToken({ sub: alice.sub, username: long }),
      verifier,
      recordingLog(),
    );
    const name = usernameOf(identity);
    expect(Array.from(name)).toHaveLength(MAX_USERNAME_LENGTH);
    expect(name).toBe('😀'.repeat(MAX_USERNAME_LENGTH));
  });

  it('refuses a verified token whose username is empty after normalising', async () => {
    const log = recordingLog();
    expect(
      await resolveIdentity(idp.idToken({ sub: alice.sub, username: ' \u0007 ' }), verifier, log),
    ).toEqual({
      kind: 'anonymous',
      reason: 'missing_claims',
    });
  });
});

describe('createCognitoVerifier', () => {
  it('fetches the JWKS once and serves later verifications from its cache', async () => {
    const local = await startLocalIdentity();
    try {
      const cached = createCognitoVerifier(loadIdentityConfig(local.env));
      await cached.hydrate();
      for (let i = 0; i < 5; i++) {
        await expect(cached.verify(local.idToken({ ...alice, username: `user${i}` }))).resolves.toMatchObject(
          {
            username: `user${i}`,
          },
        );
      }
      expect(local.jwksRequests()).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('treats a JWKS server that is gone (connection refused) as a dependency failure', async () => {
    const local = await startLocalIdentity();
    const token = local.idToken(alice);
    const cold = createCognitoVerifier(loadIdentityConfig(local.env));
    await local.close();
    await expect(resolveIdentity(token, cold, recordingLog())).rejects.toBeInstanceOf(DependencyError);
  });

  it.each<[string, Fetcher]>([
    ['throws a TypeError', { fetch: () => Promise.reject(new TypeError('fetch failed')) }],
    [
      'times out',
      { fetch: () => Promise.reject(new DOMException('The operation timed out.', 'TimeoutError')) },
    ],
    ['throws a string', { fetch: () => Promise.reject('socket hang up') }],
  ])('treats an injected fetcher that %s as a dependency failure', async (_case, fetcher) => {
    const withFetcher = createCognitoVerifier(loadIdentityConfig(idp.env), { fetcher });
    const error = await resolveIdentity(idp.idToken(alice), withFetcher, recordingLog()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).cause).toBeInstanceOf(FetchError);
  });

  it('wraps the https fetcher too: an unreachable https JWKS is a FetchError, not a raw socket error', async () => {
    const wrapped = keySourceFetcher(new SimpleFetcher({ defaultRequestOptions: { responseTimeout: 1000 } }));
    await expect(wrapped.fetch('https://127.0.0.1:9/.well-known/jwks.json')).rejects.toBeInstanceOf(
      FetchError,
    );
  });

  it('treats an unreachable JWKS as a dependency failure, not as an anonymous caller', async () => {
    const local = await startLocalIdentity();
    try {
      local.setJwksAvailable(false);
      const cold = createCognitoVerifier(loadIdentityConfig(local.env));
      await expect(resolveIdentity(local.idToken(alice), cold, recordingLog())).rejects.toBeInstanceOf(
        DependencyError,
      );
    } finally {
      await local.close();
    }
  });
});
