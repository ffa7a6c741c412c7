/**
 * Who is calling: a username only from a Cognito token whose signature, issuer, client, token use
 * and expiry all check out; `anonymous` otherwise. The claimed name in an unverified token is never
 * read, so a forged token cannot put someone else's name on a trace (and so into an alert).
 *
 * Create the verifier once per container: its JWKS cache then survives across invocations, and
 * `hydrate()` at init moves the only network call out of the first request.
 */
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksValidationError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { IdentityConfig } from './config';
import { DependencyError } from './errors';

export const ANONYMOUS = 'anonymous';

export type RejectionReason =
  | 'malformed'
  | 'invalid_signature'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_client'
  | 'wrong_token_use'
  | 'missing_claims'
  | 'invalid';

export type Identity =
  | { kind: 'user'; username: string; sub: string }
  | { kind: 'anonymous'; reason: 'no_token' | RejectionReason };

export interface VerifiedUser {
  username: string;
  sub: string;
}

/** Throws when the token is not acceptable; resolves to the verified user otherwise. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedUser>;
  /** Loads the JWKS ahead of the first request. */
  hydrate(): Promise<void>;
}

/** The part of a logger identity needs (Powertools' Logger fits). */
export interface IdentityLog {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

class MissingClaimsError extends Error {
  override name = 'MissingClaimsError';
}

/**
 * aws-jwt-verify's default fetcher speaks https only; the local pipeline serves its JWKS over
 * plain http on loopback (config.ts allows http nowhere else).
 */
const httpFetcher: Fetcher = {
  async fetch(uri) {
    const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new FetchError(uri, `status ${response.status}`);
    return response.arrayBuffer();
  },
};

/**
 * A Cognito verifier whose issuer and JWKS URI are configuration, not derived from a pool id
 * (CognitoJwtVerifier derives both), so the local issuer works with the same checks.
 */
export function createCognitoVerifier(
  config: IdentityConfig,
  options: { fetcher?: Fetcher } = {},
): TokenVerifier {
  const fetcher = options.fetcher ?? (config.jwksUri.startsWith('http:') ? httpFetcher : undefined);
  const verifier = JwtVerifier.create(
    {
      issuer: config.issuer,
      jwksUri: config.jwksUri,
      // Cognito ID tokens carry the client in `aud`, access tokens in `client_id`:
      // validateCognitoJwtFields checks the right one for the token use.
      audience: null,
      customJwtCheck: ({ payload }) =>
        validateCognitoJwtFields(payload, { tokenUse: config.tokenUse, clientId: config.clientId }),
    },
    { jwksCache: new SimpleJwksCache(fetcher ? { fetcher } : {}) },
  );
  return {
    async verify(token) {
      return userFrom(await verifier.verify(token), config.tokenUse);
    },
    hydrate: () => verifier.hydrate(),
  };
}

function userFrom(payload: JwtPayload, tokenUse: 'id' | 'access'): VerifiedUser {
  const username = tokenUse === 'id' ? payload['cognito:username'] : payload['username'];
  if (typeof payload.sub !== 'string' || !payload.sub || typeof username !== 'string' || !username) {
    throw new MissingClaimsError('verified token lacks sub or username');
  }
  return { username, sub: payload.sub };
}

/** Ordered: the most specific aws-jwt-verify errors first (some extend others). */
const REASONS: [new (...args: never[]) => Error, RejectionReason][] = [
  [JwtParseError, 'malformed'],
  [JwtInvalidSignatureAlgorithmError, 'unsupported_algorithm'],
  [JwtInvalidSignatureError, 'invalid_signature'],
  [JwtWithoutValidKidError, 'unknown_key'],
  [KidNotFoundInJwksError, 'unknown_key'],
  [WaitPeriodNotYetEndedJwkError, 'unknown_key'],
  [JwtExpiredError, 'expired'],
  [JwtNotBeforeError, 'not_yet_valid'],
  [JwtInvalidIssuerError, 'wrong_issuer'],
  [CognitoJwtInvalidClientIdError, 'wrong_client'],
  [CognitoJwtInvalidTokenUseError, 'wrong_token_use'],
  [MissingClaimsError, 'missing_claims'],
];

export function rejectionReason(error: unknown): RejectionReason {
  return REASONS.find(([type]) => error instanceof type)?.[1] ?? 'invalid';
}

/** The keys could not be fetched: Cognito's problem, not the caller's. */
function isKeySourceFailure(error: unknown): boolean {
  return error instanceof FetchError || error instanceof JwksValidationError;
}

/**
 * Resolves the caller. A rejected token is logged with its reason (never the token) and treated
 * as anonymous. An unreachable JWKS is a {@link DependencyError}: silently demoting signed-in
 * users to anonymous would put their items in the wrong cart and hide a Cognito outage from the
 * fault alarms.
 */
export async function resolveIdentity(
  token: string | undefined,
  verifier: TokenVerifier,
  log: IdentityLog,
): Promise<Identity> {
  if (!token) return { kind: 'anonymous', reason: 'no_token' };
  try {
    const user = await verifier.verify(token);
    return { kind: 'user', ...user };
  } catch (error) {
    if (isKeySourceFailure(error)) {
      throw new DependencyError('cognito-jwks', 'could not load token signing keys', { cause: error });
    }
    const reason = rejectionReason(error);
    log.warn('token rejected, request treated as anonymous', {
      reason,
      error: error instanceof Error ? error.name : typeof error,
    });
    return { kind: 'anonymous', reason };
  }
}

export function usernameOf(identity: Identity): string {
  return identity.kind === 'user' ? identity.username : ANONYMOUS;
}
