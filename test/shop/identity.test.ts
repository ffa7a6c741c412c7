import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIdentity, type LocalIdentity } from '../../local/identity';
import { loadIdentityConfig } from '../../functions/shared/config';
import { DependencyError } from '../../functions/shared/errors';
import {
  createCognitoVerifier,
  resolveIdentity,
  type IdentityLog,
  type TokenVerifier,
} from '../../functions/shared/identity';

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
