import { describe, expect, it } from 'vitest';
import { loadCartConfig, loadHttpConfig, loadIdentityConfig } from './config';
import { ConfigError } from './errors';

describe('loadIdentityConfig', () => {
  it('derives the Cognito issuer and JWKS URI from the pool id and region', () => {
    expect(
      loadIdentityConfig({
        AWS_REGION: 'eu-west-1',
        USER_POOL_ID: 'eu-west-1_AbC123',
        USER_POOL_CLIENT_ID: 'c1',
      }),
    ).toEqual({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
      jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json',
      clientId: 'c1',
      tokenUse: 'id',
    });
  });

  it('lets the local pipeline point issuer and JWKS at its own keys', () => {
    const config = loadIdentityConfig({
      USER_POOL_CLIENT_ID: 'c1',
      JWT_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local',
      JWKS_URI: 'http://127.0.0.1:4567/jwks.json',
      TOKEN_USE: 'access',
    });
    expect(config.jwksUri).toBe('http://127.0.0.1:4567/jwks.json');
    expect(config.tokenUse).toBe('access');
  });

  it('refuses a plain-http JWKS anywhere but loopback', () => {
    expect(() =>
      loadIdentityConfig({
        USER_POOL_CLIENT_ID: 'c1',
        JWT_ISSUER: 'https://x',
        JWKS_URI: 'http://evil.example/jwks',
      }),
    ).toThrow(/JWKS_URI must be https/);
  });

  it('lists every problem at once', () => {
    let caught: unknown;
    try {
      loadIdentityConfig({ TOKEN_USE: 'refresh' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toMatch(/USER_POOL_CLIENT_ID/);
    expect(problems).toMatch(/TOKEN_USE/);
  });

  it('needs either an issuer or a pool id with a region', () => {
    expect(() => loadIdentityConfig({ USER_POOL_CLIENT_ID: 'c1', USER_POOL_ID: 'us-east-1_X1' })).toThrow(
      /JWT_ISSUER, or USER_POOL_ID and AWS_REGION/,
    );
  });
});

describe('loadCartConfig / loadHttpConfig', () => {
  it('reads the table name and rejects one DynamoDB would', () => {
    expect(loadCartConfig({ TABLE_NAME: 'shop-carts' })).toEqual({ tableName: 'shop-carts' });
    expect(() => loadCartConfig({ TABLE_NAME: 'no spaces' })).toThrow(ConfigError);
    expect(() => loadCartConfig({})).toThrow(/TABLE_NAME/);
  });

  it('treats the CORS origin as optional but validated', () => {
    expect(loadHttpConfig({})).toEqual({ allowedOrigin: undefined });
    expect(loadHttpConfig({ ALLOWED_ORIGIN: 'https://shop.example' }).allowedOrigin).toBe(
      'https://shop.example',
    );
    expect(() => loadHttpConfig({ ALLOWED_ORIGIN: 'not a url' })).toThrow(/ALLOWED_ORIGIN/);
  });
});
