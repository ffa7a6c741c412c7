/**
 * Each shopper's browser: it keeps the `cartId` cookie the shop sets, holds the shopper's token
 * (minted by the local identity provider, refreshed before it expires in virtual time) and turns
 * a planned action into the HTTP request the sample frontend would send.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApiRequest } from '../pipeline/api-gateway-event';
import type { LocalIdentity } from '../identity';
import type { PlannedRequest, ShopAction } from './plan';
import type { Population, Shopper } from './population';

/** The route each action takes (infra/shop-stack.ts: SHOP_FUNCTIONS). */
export const ROUTES: Record<ShopAction, { method: string; resource: string; entry: string }> = {
  'product.list': { method: 'GET', resource: '/product', entry: 'list-products' },
  'product.get': { method: 'GET', resource: '/product/{product_id}', entry: 'get-product' },
  'cart.add': { method: 'POST', resource: '/cart', entry: 'add-to-cart' },
  'cart.list': { method: 'GET', resource: '/cart', entry: 'list-cart' },
  'cart.update': { method: 'PUT', resource: '/cart/{product_id}', entry: 'update-cart' },
  'cart.checkout': { method: 'POST', resource: '/cart/checkout', entry: 'checkout-cart' },
  'cart.migrate': { method: 'POST', resource: '/cart/migrate', entry: 'migrate-cart' },
};

/** Tokens live an hour; a fresh one is minted when less than this is left. */
const REFRESH_BEFORE_MS = 10 * 60_000;
const TOKEN_LIFETIME_S = 3_600;

export interface ShopClient {
  request(planned: PlannedRequest): ApiRequest;
  /** Stores the cookie a response sets, as a browser would. */
  observe(shopperId: string, response: APIGatewayProxyResult): void;
  shopper(id: string): Shopper;
}

export function createShopClient(
  population: Population,
  identity: LocalIdentity,
  now: () => number,
): ShopClient {
  const shoppers = new Map<string, Shopper>(
    [...population.registered, ...population.anonymous, ...population.forgers].map((s) => [s.id, s]),
  );
  const cookies = new Map<string, string>();
  const tokens = new Map<string, { token: string; expiresMs: number }>();

  function shopper(id: string): Shopper {
    const found = shoppers.get(id);
    if (!found) throw new Error(`no shopper ${id} in the population`);
    return found;
  }

  function token(s: Shopper, planned: PlannedRequest): string | undefined {
    if (s.kind === 'anonymous') return undefined;
    if (s.kind === 'forger') return identity.forged[planned.forgery ?? 'wrongKey'](s.claims);
    const cached = tokens.get(s.id);
    if (cached && cached.expiresMs - now() > REFRESH_BEFORE_MS) return cached.token;
    const fresh = identity.idToken(s.user, { expiresIn: TOKEN_LIFETIME_S });
    tokens.set(s.id, { token: fresh, expiresMs: now() + TOKEN_LIFETIME_S * 1000 });
    return fresh;
  }

  return {
    shopper,
    request(planned) {
      const s = shopper(planned.shopperId);
      const route = ROUTES[planned.action];
      const headers: Record<string, string> = { Accept: 'application/json' };
      const jwt = token(s, planned);
      // The sample frontend sends the raw JWT in Authorization, without "Bearer".
      if (jwt !== undefined) headers.Authorization = jwt;
      const cartId = cookies.get(s.id);
      if (cartId !== undefined) headers.cookie = `cartId=${cartId}`;
      const productId = planned.productId ?? '';
      const withProduct = route.resource.includes('{product_id}');
      const body = bodyFor(planned);
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      return {
        method: route.method,
        resource: route.resource,
        path: withProduct ? route.resource.replace('{product_id}', productId) : route.resource,
        ...(withProduct ? { pathParameters: { product_id: productId } } : {}),
        headers,
        ...(body === undefined ? {} : { body }),
        sourceIp: sourceIp(s.id),
        userAgent: `local-shopper/${s.kind}`,
      };
    },
    observe(shopperId, response) {
      const setCookie = response.headers?.['Set-Cookie'];
      const cartId = typeof setCookie === 'string' ? /^cartId=([^;]+)/.exec(setCookie)?.[1] : undefined;
      if (cartId !== undefined) cookies.set(shopperId, decodeURIComponent(cartId));
    },
  };
}

function bodyFor(planned: PlannedRequest): string | undefined {
  if (planned.action === 'cart.add')
    return JSON.stringify({ productId: planned.productId, quantity: planned.quantity });
  if (planned.action === 'cart.update') return JSON.stringify({ quantity: planned.quantity });
  return undefined;
}

/** A stable documentation-range address per shopper (RFC 5737). */
function sourceIp(id: string): string {
  let hash = 0;
  for (const c of id) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `203.0.113.${(hash % 250) + 1}`;
}
