/**
 * Every shop handler against a real local DynamoDB (dynalite, started here) and real tokens from
 * the local issuer: the same code paths the Lambda runs, with in-memory tracing to see annotations.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddToCartHandler } from '../../functions/cart/add-to-cart';
import { CART_TABLE_KEYS } from '../../functions/cart/cart-store';
import { createCheckoutCartHandler } from '../../functions/cart/checkout-cart';
import { createGetProductHandler } from '../../functions/cart/get-product';
import { createListCartHandler } from '../../functions/cart/list-cart';
import { createListProductsHandler } from '../../functions/cart/list-products';
import { createMigrateCartHandler } from '../../functions/cart/migrate-cart';
import { createUpdateCartHandler } from '../../functions/cart/update-cart';
import { DependencyError } from '../../functions/shared/errors';
import { createMemoryTracing } from '../../functions/shared/tracing';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { startLocalIdentity, type LocalIdentity } from '../../local/identity';
import {
  apiEvent,
  bodyOf,
  cookieCartId,
  lambdaContext,
  PRUNES,
  shopDeps,
  STRAWBERRIES,
  type TestDeps,
} from './fixtures';

const TABLE = 'shop-carts';
const NOW = new Date('2026-03-01T12:00:00Z');

let db: LocalDynamoDb;
let idp: LocalIdentity;
let deps: TestDeps;
let userCount = 0;

const newUser = () => {
  userCount++;
  return {
    sub: `00000000-0000-4000-8000-${String(userCount).padStart(12, '0')}`,
    username: `shopper${userCount}`,
  };
};

beforeAll(async () => {
  [db, idp] = await Promise.all([
    startLocalDynamoDb({ tables: [{ name: TABLE, ...CART_TABLE_KEYS }] }),
    startLocalIdentity(),
  ]);
  deps = shopDeps({ db, idp, tableName: TABLE, now: () => NOW });
});
afterAll(async () => {
  await Promise.all([db?.close(), idp?.close()]);
});

const ctx = () => lambdaContext();
const add = (body: unknown, opts: { token?: string; cartId?: string } = {}, d: TestDeps = deps) =>
  createAddToCartHandler(d)(apiEvent({ method: 'POST', body, ...opts }), ctx());
const list = (opts: { token?: string; cartId?: string } = {}, d: TestDeps = deps) =>
  createListCartHandler(d)(apiEvent(opts), ctx());
const update = (productId: string, body: unknown, opts: { token?: string; cartId?: string } = {}) =>
  createUpdateCartHandler(deps)(
    apiEvent({
      method: 'PUT',
      resource: '/cart/{product_id}',
      pathParameters: { product_id: productId },
      body,
      ...opts,
    }),
    ctx(),
  );
const quantities = (response: { body: string }) =>
  Object.fromEntries(
    (bodyOf(response)['products'] as { productId: string; quantity: number }[]).map((l) => [
      l.productId,
      l.quantity,
    ]),
  );

describe('products', () => {
  it('lists the catalog and fetches one product', async () => {
    const all = await createListProductsHandler(deps)(apiEvent({ path: '/product' }), ctx());
    expect(all.statusCode).toBe(200);
    expect(bodyOf(all)['products']).toHaveLength(20);
    const one = await createGetProductHandler(deps)(
      apiEvent({ path: `/product/${PRUNES}`, pathParameters: { product_id: PRUNES } }),
      ctx(),
    );
    expect(bodyOf(one)['product']).toMatchObject({ productId: PRUNES, name: 'candied prunes' });
  });

  it('answers 404 for an unknown product and 400 for a malformed id', async () => {
    const get = createGetProductHandler(deps);
    const missing = await get(
      apiEvent({ pathParameters: { product_id: '00000000-0000-4000-8000-000000000000' } }),
      ctx(),
    );
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const malformed = await get(apiEvent({ pathParameters: { product_id: 'drop table' } }), ctx());
    expect(malformed.statusCode).toBe(400);
    expect(bodyOf(malformed)).toMatchObject({
      error: { code: 'invalid_input', issues: [{ path: 'product_id' }] },
    });
  });
});

describe('anonymous cart', () => {
  it('issues a cart cookie, then adds to and lists that cart', async () => {
    const first = await add({ productId: STRAWBERRIES });
    expect(first.statusCode).toBe(200);
    const cartId = cookieCartId(first);
    expect(cartId).toMatch(/^[0-9a-f-]{36}$/);
    await add({ productId: STRAWBERRIES, quantity: 2 }, { cartId });
    const again = await add({ productId: PRUNES }, { cartId });
    expect(cookieCartId(again)).toBe(cartId);
    expect(quantities(await list({ cartId }))).toEqual({ [STRAWBERRIES]: 3, [PRUNES]: 1 });
  });

  it('stores the product copy and a one-day TTL from the injected clock', async () => {
    const cartId = cookieCartId(await add({ productId: PRUNES }));
    const item = await db.doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: `cart#${cartId}`, sk: `product#${PRUNES}` } }),
    );
    expect(item.Item).toMatchObject({
      quantity: 1,
      expirationTime: NOW.getTime() / 1000 + 86_400,
      productDetail: { productId: PRUNES, name: 'candied prunes' },
    });
  });

  it('removes units with a negative quantity but never below zero', async () => {
    const cartId = cookieCartId(await add({ productId: STRAWBERRIES, quantity: 2 }));
    const fewer = await add({ productId: STRAWBERRIES, quantity: -1 }, { cartId });
    expect(bodyOf(fewer)).toEqual({ productId: STRAWBERRIES, quantity: 1 });
    const tooMany = await add({ productId: STRAWBERRIES, quantity: -5 }, { cartId });
    expect(tooMany.statusCode).toBe(409);
    expect(bodyOf(tooMany)).toMatchObject({ error: { code: 'quantity_below_zero' } });
    expect(quantities(await list({ cartId }))).toEqual({ [STRAWBERRIES]: 1 });
  });

  it('lists an empty cart for a new visitor without touching the table', async () => {
    let sends = 0;
    const counting = { ...deps, store: { ...deps.store, doc: countingDoc(db.doc, () => sends++) } };
    const response = await list({}, counting);
    expect(bodyOf(response)).toEqual({ products: [] });
    expect(cookieCartId(response)).toBeDefined();
    expect(sends).toBe(0);
  });

  it('replaces a cartId cookie that is not one we could have issued', async () => {
    const tracing = createMemoryTracing();
    const response = await list({ cartId: 'x#user#someone' }, { ...deps, tracing });
    expect(cookieCartId(response)).toMatch(/^[0-9a-f-]{36}$/);
    expect(tracing.spans[0]?.annotations['generated_cart']).toBe(true);
  });
});

describe('update quantity', () => {
  it('sets the quantity outright; zero hides the line', async () => {
    const cartId = cookieCartId(await add({ productId: STRAWBERRIES, quantity: 3 }));
    const set = await update(STRAWBERRIES, { quantity: 7 }, { cartId });
    expect(bodyOf(set)).toEqual({ productId: STRAWBERRIES, quantity: 7 });
    expect(quantities(await list({ cartId }))).toEqual({ [STRAWBERRIES]: 7 });
    await update(STRAWBERRIES, { quantity: 0 }, { cartId });
    expect(quantities(await list({ cartId }))).toEqual({});
  });

  it('answers 404 for a product not in the catalog', async () => {
    const response = await update('00000000-0000-4000-8000-000000000000', { quantity: 1 });
    expect(response.statusCode).toBe(404);
  });
});

describe('bad input is a 4xx with a JSON reason, never a 5xx', () => {
  const cases: [string, () => ReturnType<typeof add>, string, string?][] = [
    ['no body', () => add(undefined), 'body_required'],
    ['body is not JSON', () => add('{"productId":'), 'invalid_json'],
    ['productId is not an id', () => add({ productId: 'cake' }), 'invalid_input', 'productId'],
    ['quantity is fractional', () => add({ productId: PRUNES, quantity: 1.5 }), 'invalid_input', 'quantity'],
    ['quantity is huge', () => add({ productId: PRUNES, quantity: 10_000 }), 'invalid_input', 'quantity'],
    ['quantity is zero', () => add({ productId: PRUNES, quantity: 0 }), 'invalid_input', 'quantity'],
    ['quantity is a string', () => update(PRUNES, { quantity: '3' }), 'invalid_input', 'quantity'],
    ['update below zero', () => update(PRUNES, { quantity: -1 }), 'invalid_input', 'quantity'],
  ];

  it.each(cases)('%s', async (_name, call, code, path) => {
    const response = await call();
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['Content-Type']).toBe('application/json');
    const error = bodyOf(response)['error'] as { code: string; message: string; issues?: { path: string }[] };
    expect(error.code).toBe(code);
    expect(error.message).toEqual(expect.any(String));
    if (path) expect(error.issues?.map((i) => i.path)).toContain(path);
  });
});

describe('signed-in cart', () => {
  it('keys the cart by the verified user, whatever cookie comes with it', async () => {
    const user = newUser();
    const token = idp.idToken(user);
    await add({ productId: PRUNES, quantity: 2 }, { token });
    // A new device: no cookie. The sample skipped the query here and showed an empty cart.
    expect(quantities(await list({ token }))).toEqual({ [PRUNES]: 2 });
    const item = await db.doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: `user#${user.sub}`, sk: `product#${PRUNES}` } }),
    );
    expect(item.Item?.['expirationTime']).toBe(NOW.getTime() / 1000 + 7 * 86_400);
  });

  it('puts a forged token in an anonymous cart, never in the named user’s', async () => {
    const victim = newUser();
    const tracing = createMemoryTracing();
    const forged = await add(
      { productId: PRUNES },
      { token: idp.forged.wrongKey(victim) },
      { ...deps, tracing },
    );
    expect(forged.statusCode).toBe(200);
    expect(tracing.spans[0]?.annotations['username']).toBe('anonymous');
    expect(quantities(await list({ token: idp.idToken(victim) }))).toEqual({});
  });
});

describe('checkout', () => {
  const checkout = (opts: { token?: string; cartId?: string }) =>
    createCheckoutCartHandler(deps)(apiEvent({ method: 'POST', path: '/cart/checkout', ...opts }), ctx());

  it('is for signed-in users only', async () => {
    const response = await checkout({});
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('returns the order and empties the cart; an empty cart cannot be checked out', async () => {
    const token = idp.idToken(newUser());
    await add({ productId: STRAWBERRIES, quantity: 2 }, { token });
    await add({ productId: PRUNES }, { token });
    const order = await checkout({ token });
    expect(order.statusCode).toBe(200);
    expect(quantities(order)).toEqual({ [STRAWBERRIES]: 2, [PRUNES]: 1 });
    expect(quantities(await list({ token }))).toEqual({});
    const again = await checkout({ token });
    expect(again.statusCode).toBe(409);
    expect(bodyOf(again)).toMatchObject({ error: { code: 'cart_empty' } });
  });
});

describe('migrate', () => {
  const migrate = (opts: { token?: string; cartId?: string }) =>
    createMigrateCartHandler(deps)(apiEvent({ method: 'POST', path: '/cart/migrate', ...opts }), ctx());

  it('moves the anonymous cart into the user’s, summing quantities, and empties the anonymous one', async () => {
    const token = idp.idToken(newUser());
    await add({ productId: PRUNES, quantity: 1 }, { token });
    const cartId = cookieCartId(await add({ productId: PRUNES, quantity: 2 }));
    await add({ productId: STRAWBERRIES, quantity: 4 }, { cartId });

    const response = await migrate({ token, cartId });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)['moved']).toBe(2);
    expect(quantities(response)).toEqual({ [PRUNES]: 3, [STRAWBERRIES]: 4 });
    expect(quantities(await list({ cartId }))).toEqual({});
    expect(quantities(await list({ token }))).toEqual({ [PRUNES]: 3, [STRAWBERRIES]: 4 });
  });

  it('refuses anonymous callers and moves nothing without a cookie', async () => {
    expect((await migrate({ cartId: '6f1c2b8e-1111-4222-8333-444455556666' })).statusCode).toBe(401);
    const token = idp.idToken(newUser());
    const response = await migrate({ token });
    expect(bodyOf(response)).toEqual({ moved: 0, products: [] });
  });
});

describe('DynamoDB unavailable', () => {
  it('is a fault: the handler throws, the span keeps its annotations and records the error', async () => {
    const deadPort = await closedPort();
    const client = new DynamoDBClient({
      ...db.clientConfig,
      endpoint: `http://127.0.0.1:${deadPort}`,
      maxAttempts: 2,
    });
    const tracing = createMemoryTracing();
    const broken = { ...deps, tracing, store: { ...deps.store, doc: DynamoDBDocumentClient.from(client) } };
    const token = idp.idToken(newUser());

    await expect(add({ productId: PRUNES }, { token }, broken)).rejects.toBeInstanceOf(DependencyError);
    await expect(list({ token }, broken)).rejects.toThrow(/DynamoDB Query failed/);
    expect(
      tracing.spans.map((s) => [s.annotations['operation'], s.annotations['username'], s.closed]),
    ).toEqual([
      ['cart.add', expect.stringMatching(/^shopper/), true],
      ['cart.list', expect.stringMatching(/^shopper/), true],
    ]);
    expect(tracing.spans.every((s) => s.error instanceof DependencyError)).toBe(true);
    client.destroy();
  });
});

/** A port nothing listens on: connection refused, the fastest honest outage. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function countingDoc(doc: DynamoDBDocumentClient, onSend: () => void): DynamoDBDocumentClient {
  return new Proxy(doc, {
    get(target, property, receiver) {
      if (property === 'send') {
        return (...args: Parameters<DynamoDBDocumentClient['send']>) => {
          onSend();
          return target.send(...args);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}
