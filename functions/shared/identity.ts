/**
 * Who is calling: a username only from a Cognito token whose signature, issuer, client, token use
 * and expiry all check out; `anonymous` otherwise. The claimed name in an unverified token is never
 * read, so a forged token cannot put someone else's name on a trace (and so into an alert).
 *
 * What a verified username becomes on the trace (the `username` annotation the rules filter on):
 *
 * | verified username                          | annotation                 | why                               |
 * |--------------------------------------------|----------------------------|-----------------------------------|
 * | `alice`                                    | `alice`                    |                                   |
 * | decomposed `Zoe\u0308` / composed `Zoë`     | `Zoë` (NFC)                | one person, one spelling          |
 * | longer than 128 characters                 | its first 128 characters   | Cognito's own maximum; bounds the |
 * |                                            |                            | annotation and every user list    |
 * | `anonymous`, `Anonymous`, ` ANONYMOUS`,    | `<name> (registered)`      | the word is reserved for callers  |
 * | fullwidth or zero-width-padded variants    |                            | without a verified token: the     |
 * |                                            |                            | rules' `!= "anonymous"` and the   |
 * |                                            |                            | notifier's anonymous count would  |
 * |                                            |                            | hide a registered user otherwise  |
 * | empty after normalising                    | `anonymous`, reason        | a token without a usable name     |
 * |                                            | `missing_claims`           |                                   |
 *
 * The suffix contains a space, which Cognito usernames cannot, so no real user can collide with it.
 * A token without `exp` is refused (`no_expiry`): Cognito always sets one, and aws-jwt-verify only
 * checks `exp` when present, so an unexpiring token would be a forgery or a misconfigured issuer.
 *
 * Create the verifier once per container: its JWKS cache then survives across invocations, and
 * `hydrate()` at init moves the only network call out of the first request.
 */
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkValidationError,
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
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { IdentityConfig } from './config';
import { ConfigError, DependencyError } from './errors';

export const ANONYMOUS = 'anonymous';
/** Cognito's maximum username length, in characters. */
export const MAX_USERNAME_LENGTH = 128;
/** Appended to a verified username that reads as {@link ANONYMOUS}. */
export const RESERVED_NAME_SUFFIX = ' (registered)';

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
  | 'no_expiry'
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

class MissingExpiryError extends Error {
  override name = 'MissingExpiryError';
}

/**
 * Every fetcher's failures become aws-jwt-verify's FetchError, so {@link resolveIdentity} treats
 * them as the dependency failures they are: aws-jwt-verify's own fetcher already does this, but
 * `fetch()` rejects with a TypeError (refused, DNS) or a DOMException (timeout), and an injected
 * fetcher may throw anything; left raw, each would read as an invalid token, i.e. `anonymous`.
 */
export function keySourceFetcher(inner: Fetcher): Fetcher {
  return {
    async fetch(uri, requestOptions, data) {
      try {
        return await inner.fetch(uri, requestOptions, data);
      } catch (error) {
        if (error instanceof FetchError) throw error;
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw Object.assign(new FetchError(uri, reason), { cause: error });
      }
    },
  };
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
  const fetcher = keySourceFetcher(
    options.fetcher ?? (config.jwksUri.startsWith('http:') ? httpFetcher : new SimpleFetcher()),
  );
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
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  );
  return {
    async verify(token) {
      return userFrom(await verifier.verify(token), config.tokenUse);
    },
    hydrate: () => verifier.hydrate(),
  };
}

function userFrom(payload: JwtPayload, tokenUse: 'id' | 'access'): VerifiedUser {
  return userFromClaim(payload, tokenUse === 'id' ? 'cognito:username' : 'username');
}

/** Options of an OpenID Connect issuer other than Cognito (Auth0, Okta, Entra ID, Keycloak…). */
export interface OidcVerifierOptions {
  /** The `iss` every accepted token carries, e.g. `https://example.eu.auth0.com/`. */
  issuer: string;
  /** The `aud` (your client or API identifier) accepted tokens must carry; several are allowed. */
  audience: string | readonly string[];
  /** The issuer's signing keys. @default `<issuer>/.well-known/jwks.json` (aws-jwt-verify's default) */
  jwksUri?: string;
  /** The claim holding the name to annotate; it goes through the same NFC and reserved-name rules. @default 'sub' */
  usernameClaim?: string;
  /** How the JWKS is fetched (tests). @default aws-jwt-verify's https fetcher */
  fetcher?: Fetcher;
}

/**
 * A verifier for any OIDC issuer, with the same guarantees as {@link createCognitoVerifier}:
 * signature, issuer, audience and expiry checked by aws-jwt-verify, a token without `exp`
 * refused, the username only from the verified payload.
 */
export function createOidcVerifier(options: OidcVerifierOptions): TokenVerifier {
  const jwksUri = options.jwksUri ?? `${options.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
  if (jwksUri.startsWith('http:') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(jwksUri)) {
    throw new ConfigError([`jwksUri: must be https (http only on loopback), not ${jwksUri}`]);
  }
  const fetcher = keySourceFetcher(
    options.fetcher ?? (jwksUri.startsWith('http:') ? httpFetcher : new SimpleFetcher()),
  );
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  const verifier = JwtVerifier.create(
    { issuer: options.issuer, jwksUri, audience },
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  );
  const claim = options.usernameClaim ?? 'sub';
  return {
    async verify(token) {
      return userFromClaim(await verifier.verify(token), claim);
    },
    hydrate: () => verifier.hydrate(),
  };
}

function userFromClaim(payload: JwtPayload, claim: string): VerifiedUser {
  if (typeof payload.exp !== 'number') throw new MissingExpiryError('verified token has no exp claim');
  const claimed = payload[claim];
  const username = typeof claimed === 'string' ? normalizeUsername(claimed) : undefined;
  if (typeof payload.sub !== 'string' || !payload.sub || username === undefined) {
    throw new MissingClaimsError('verified token lacks sub or username');
  }
  return { username, sub: payload.sub };
}

/** NFC, trimmed, control characters dropped, at most {@link MAX_USERNAME_LENGTH} characters; undefined when nothing is left. */
export function normalizeUsername(raw: string): string | undefined {
  const cleaned = raw
    .normalize('NFC')
    .replace(/\p{Cc}/gu, '')
    .trim();
  const capped = Array.from(cleaned).slice(0, MAX_USERNAME_LENGTH).join('').trim();
  return capped === '' ? undefined : capped;
}

/** Whether a name reads as the reserved {@link ANONYMOUS}: any case, width, padding or invisible characters. */
export function isReservedUsername(name: string): boolean {
  return (
    name
      .normalize('NFKC')
      .replace(/[\s\p{Cc}\p{Cf}]/gu, '')
      .toLowerCase() === ANONYMOUS
  );
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
  [MissingExpiryError, 'no_expiry'],
];

export function rejectionReason(error: unknown): RejectionReason {
  return REASONS.find(([type]) => error instanceof type)?.[1] ?? 'invalid';
}

/** The keys could not be fetched: Cognito's problem, not the caller's. */
function isKeySourceFailure(error: unknown): boolean {
  return (
    error instanceof FetchError || error instanceof JwksValidationError || error instanceof JwkValidationError
  );
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

/** The `username` annotation: the verified name (reserved names marked as registered), else `anonymous`. */
export function usernameOf(identity: Identity): string {
  if (identity.kind !== 'user') return ANONYMOUS;
  return isReservedUsername(identity.username)
    ? `${identity.username}${RESERVED_NAME_SUFFIX}`
    : identity.username;
}
