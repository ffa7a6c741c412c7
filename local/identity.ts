/**
 * A local stand-in for a Cognito user pool's token side: RS256 keys, a JWKS served over HTTP on
 * an ephemeral loopback port, and tokens shaped like Cognito's (issuer, `aud` / `client_id`,
 * `token_use`, `cognito:username` / `username`, `exp`). It also mints the tokens an attacker or a
 * misconfiguration would produce, so tests and the local traffic scenario can prove none of them
 * ever yields a username.
 *
 * node:crypto only (no jose): the local pipeline runs it outside the test toolchain too.
 */
import {
  createHmac,
  generateKeyPairSync,
  randomUUID,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalUser {
  sub: string;
  username: string;
  email?: string;
}

export interface MintOptions {
  /** Seconds until `exp`; negative mints an already expired token; `null` leaves `exp` out. Default 3600. */
  expiresIn?: number | null;
  issuer?: string;
  clientId?: string;
  tokenUse?: 'id' | 'access';
  /** Sign with a key that is not in the JWKS (the header still names the pool's key id). */
  signWith?: 'pool' | 'stranger';
  /**
   * `none` produces an unsigned token; `HS256` signs with the pool's *public* key as an HMAC
   * secret (RS/HS key confusion). Both are classic forgeries.
   */
  alg?: 'RS256' | 'none' | 'HS256';
}

export interface LocalIdentity {
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  /** Cognito-shaped: `https://cognito-idp.<region>.amazonaws.com/<pool>`. */
  readonly issuer: string;
  /** `http://127.0.0.1:<port>/<pool>/.well-known/jwks.json` */
  readonly jwksUri: string;
  /** Environment a shop handler needs to trust this issuer (see functions/shared/config.ts). */
  readonly env: Readonly<Record<string, string>>;
  /** How many times the JWKS was fetched: proves the verifier caches it. */
  jwksRequests(): number;
  idToken(user: LocalUser, options?: MintOptions): string;
  accessToken(user: LocalUser, options?: MintOptions): string;
  readonly forged: {
    wrongKey(user: LocalUser): string;
    expired(user: LocalUser): string;
    /** Correctly signed, but without `exp`: it would never expire. */
    noExpiry(user: LocalUser): string;
    wrongAudience(user: LocalUser): string;
    otherPool(user: LocalUser): string;
    algNone(user: LocalUser): string;
    algConfusion(user: LocalUser): string;
  };
  /** Makes the JWKS endpoint answer 503 (a Cognito outage) until set back. */
  setJwksAvailable(available: boolean): void;
  close(): Promise<void>;
}

export interface LocalIdentityOptions {
  region?: string;
  userPoolId?: string;
  clientId?: string;
  /** Milliseconds since epoch; tokens' `iat`/`exp` are relative to it. */
  now?: () => number;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function rsaKey(): { privateKey: KeyObject; publicJwk: JsonWebKey; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicJwk: publicKey.export({ format: 'jwk' }),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export async function startLocalIdentity(options: LocalIdentityOptions = {}): Promise<LocalIdentity> {
  const region = options.region ?? 'us-east-1';
  const userPoolId = options.userPoolId ?? `${region}_LocalPool1`;
  const clientId = options.clientId ?? 'local-shop-client';
  const now = options.now ?? Date.now;
  const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  const kid = randomUUID();
  const pool = rsaKey();
  const stranger = rsaKey();
  const jwks = JSON.stringify({ keys: [{ ...pool.publicJwk, kid, alg: 'RS256', use: 'sig' }] });
  const jwksPath = `/${userPoolId}/.well-known/jwks.json`;

  let requests = 0;
  let available = true;
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== jwksPath) {
      res.writeHead(404).end();
      return;
    }
    requests++;
    if (!available) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const jwksUri = `http://127.0.0.1:${port}${jwksPath}`;

  function mint(user: LocalUser, defaultUse: 'id' | 'access', opts: MintOptions = {}): string {
    const tokenUse = opts.tokenUse ?? defaultUse;
    const alg = opts.alg ?? 'RS256';
    const iat = Math.floor(now() / 1000);
    const exp = opts.expiresIn === null ? undefined : iat + (opts.expiresIn ?? 3600);
    const client = opts.clientId ?? clientId;
    const common = {
      sub: user.sub,
      iss: opts.issuer ?? issuer,
      token_use: tokenUse,
      auth_time: iat,
      iat,
      ...(exp === undefined ? {} : { exp }),
      jti: randomUUID(),
      origin_jti: randomUUID(),
    };
    const payload =
      tokenUse === 'id'
        ? {
            ...common,
            aud: client,
            'cognito:username': user.username,
            email: user.email ?? `${user.username}@example.com`,
            email_verified: true,
            event_id: randomUUID(),
          }
        : { ...common, client_id: client, username: user.username, scope: 'aws.cognito.signin.user.admin' };
    const header = { kid, alg };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    if (alg === 'none') return `${signingInput}.`;
    if (alg === 'HS256') {
      return `${signingInput}.${createHmac('sha256', pool.publicPem).update(signingInput).digest('base64url')}`;
    }
    const key = opts.signWith === 'stranger' ? stranger.privateKey : pool.privateKey;
    return `${signingInput}.${base64url(sign('sha256', Buffer.from(signingInput), key))}`;
  }

  return {
    region,
    userPoolId,
    clientId,
    issuer,
    jwksUri,
    env: { USER_POOL_CLIENT_ID: clientId, JWT_ISSUER: issuer, JWKS_URI: jwksUri, TOKEN_USE: 'id' },
    jwksRequests: () => requests,
    idToken: (user, opts) => mint(user, 'id', opts),
    accessToken: (user, opts) => mint(user, 'access', opts),
    forged: {
      wrongKey: (user) => mint(user, 'id', { signWith: 'stranger' }),
      expired: (user) => mint(user, 'id', { expiresIn: -60 }),
      noExpiry: (user) => mint(user, 'id', { expiresIn: null }),
      wrongAudience: (user) => mint(user, 'id', { clientId: 'someone-elses-client' }),
      otherPool: (user) =>
        mint(user, 'id', { issuer: `https://cognito-idp.${region}.amazonaws.com/${region}_OtherPool9` }),
      algNone: (user) => mint(user, 'id', { alg: 'none' }),
      algConfusion: (user) => mint(user, 'id', { alg: 'HS256' }),
    },
    setJwksAvailable: (value) => {
      available = value;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
