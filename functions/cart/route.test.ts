import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BadRequestError } from '../shared/errors';
import type { TokenVerifier } from '../shared/identity';
import { createLogger } from '../shared/logger';
import { createMemoryTracing } from '../shared/tracing';
import { cartRoute, productRoute, type RouteDeps } from './route';

const CART_ID = '1b4e28ba-2fa1-4d2b-883f-0016d3cca427';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln';

/** Accepts exactly one token; the real verifier is tested against real tokens in test/shop. */
const verifier: TokenVerifier = {
  verify: async (token) => {
    if (token !== TOKEN) throw new Error('rejected');
    return { username: 'alice', sub: 'u1' };
  },
  hydrate: async () => undefined,
};

function setup(logLevel: 'SILENT' | 'ERROR' = 'SILENT') {
  const tracing = createMemoryTracing();
  const deps: RouteDeps = {
    tracing,
    logger: createLogger({ serviceName: 'route-test', logLevel }),
    verifier,
    http: { allowedOrigin: 'https://shop.example' },
    now: () => new Date(0),
    newCartId: () => 'a0000000-0000-4000-8000-000000000000',
  };
  return { tracing, deps };
}

const event = (headers: Record<string, string>) =>
  ({ headers, body: null }) as unknown as APIGatewayProxyEvent;
const context = { functionName: 'route-test', awsRequestId: 'req-1' } as Context;

afterEach(() => vi.restoreAllMocks());

describe('cartRoute', () => {
  it('annotates operation, generated_cart and the verified username, and sets the cookie', async () => {
    const { tracing, deps } = setup();
    const handler = cartRoute(deps, 'cart.list', async ({ cart, identity }) => ({
      statusCode: 200,
      body: { cart, who: identity.kind },
    }));
    const response = await handler(event({ Cookie: `cartId=${CART_ID}`, Authorization: TOKEN }), context);
    expect(JSON.parse(response.body)).toEqual({ cart: { cartId: CART_ID, generated: false }, who: 'user' });
    expect(response.headers).toMatchObject({
      'Set-Cookie': expect.stringContaining(`cartId=${CART_ID};`),
      'Access-Control-Allow-Origin': 'https://shop.example',
    });
    expect(tracing.spans).toEqual([
      {
        name: 'annotations',
        annotations: { operation: 'cart.list', generated_cart: false, username: 'alice' },
        // The verified caller as the span's end user (OTel `enduser.id`).
        user: 'alice',
        closed: true,
      },
    ]);
  });

  it('generates a cart id when the cookie is absent, and calls a rejected token anonymous', async () => {
    const { tracing, deps } = setup();
    const handler = cartRoute(deps, 'cart.add', async ({ cart }) => ({ statusCode: 200, body: cart }));
    const response = await handler(event({ Authorization: 'forged' }), context);
    expect(JSON.parse(response.body)).toEqual({
      cartId: 'a0000000-0000-4000-8000-000000000000',
      generated: true,
    });
    expect(tracing.spans[0]?.annotations).toEqual({
      operation: 'cart.add',
      generated_cart: true,
      username: 'anonymous',
    });
  });

  it('turns a client error into its 4xx JSON response, with the cookie and CORS headers', async () => {
    const { tracing, deps } = setup();
    const handler = cartRoute(deps, 'cart.add', async () => {
      throw new BadRequestError('invalid request body', [{ path: 'quantity', message: 'too big' }]);
    });
    const response = await handler(event({}), context);
    expect(response.statusCode).toBe(400);
    expect(response.headers).toHaveProperty('Set-Cookie');
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'bad_request' } });
    expect(tracing.spans[0]?.error).toBeUndefined();
  });

  it('rethrows anything else after recording it, annotations intact, and logs it without the token', async () => {
    const { tracing, deps } = setup('ERROR');
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    const bug = new TypeError("Cannot read properties of undefined (reading 'remove')");
    const handler = cartRoute(deps, 'cart.list', async () => {
      throw bug;
    });
    await expect(handler(event({ Authorization: TOKEN, Cookie: `cartId=${CART_ID}` }), context)).rejects.toBe(
      bug,
    );
    expect(tracing.spans[0]).toMatchObject({
      annotations: { operation: 'cart.list', generated_cart: false, username: 'alice' },
      error: bug,
      closed: true,
    });
    const logged = stderr.join('');
    expect(JSON.parse(logged)).toMatchObject({
      level: 'ERROR',
      message: 'request failed',
      operation: 'cart.list',
      username: 'alice',
      error: { name: 'TypeError' },
    });
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(CART_ID);
  });
});

describe('productRoute', () => {
  it('annotates operation and username only, and leaves the cart cookie alone', async () => {
    const { tracing, deps } = setup();
    const handler = productRoute(deps, 'product.list', async () => ({ statusCode: 200, body: [] }));
    const response = await handler(event({ Cookie: `cartId=${CART_ID}` }), context);
    expect(response.headers).not.toHaveProperty('Set-Cookie');
    expect(tracing.spans[0]?.annotations).toEqual({ operation: 'product.list', username: 'anonymous' });
  });
});
