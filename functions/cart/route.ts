/**
 * What every shop route does around its own step, in one place so no handler can get it wrong:
 * open the `annotations` subsegment, annotate the operation, the cart cookie and the verified
 * caller (through the public Lambda helper's core, functions/shared/user-annotations.ts), turn client errors into 4xx JSON, and let everything else
 * through as a fault (recorded on the subsegment, logged with the trace id, rethrown).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import type { HttpConfig } from '../shared/config';
import { isHttpError } from '../shared/errors';
import {
  bearerToken,
  cartCookie,
  corsHeaders,
  errorResponse,
  getCookie,
  json,
  type Headers,
} from '../shared/http';
import type { Identity, TokenVerifier } from '../shared/identity';
import type { Logger } from '../shared/logger';
import type { Tracing } from '../shared/tracing';
import { annotateInvocation, type AnnotationSetup } from '../shared/user-annotations';

export type ShopHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface RouteDeps {
  tracing: Tracing;
  logger: Logger;
  verifier: TokenVerifier;
  http: HttpConfig;
  /** Injected so TTLs are testable. */
  now: () => Date;
  newCartId: () => string;
}

export interface CartCookie {
  cartId: string;
  /** True when the request carried no usable cartId cookie and one was made up for it. */
  generated: boolean;
}

export interface RouteRequest {
  event: APIGatewayProxyEvent;
  identity: Identity;
}

export interface CartRouteRequest extends RouteRequest {
  cart: CartCookie;
}

export interface RouteResult {
  statusCode: number;
  body: unknown;
}

/** Name of the subsegment the X-Ray groups' filter expressions read annotations from. */
export const ANNOTATIONS_SUBSEGMENT = 'annotations';

/** The anonymous cart lives a day, as in the sample. */
export const CART_COOKIE_MAX_AGE_SECONDS = 24 * 60 * 60;

const cartIdSchema = z.uuid();

/** The cookie is client input: anything but a UUID (we only ever issue those) gets a fresh cart. */
export function readCartCookie(event: APIGatewayProxyEvent, newCartId: () => string): CartCookie {
  const value = getCookie(event, 'cartId');
  const usable = value !== undefined && z.safeParse(cartIdSchema, value).success;
  return usable ? { cartId: value, generated: false } : { cartId: newCartId(), generated: true };
}

export function productRoute(
  deps: RouteDeps,
  operation: string,
  step: (request: RouteRequest) => Promise<RouteResult>,
): ShopHandler {
  return route(deps, operation, false, (request) => step(request));
}

export function cartRoute(
  deps: RouteDeps,
  operation: string,
  step: (request: CartRouteRequest) => Promise<RouteResult>,
): ShopHandler {
  return route(deps, operation, true, (request, cart) => {
    if (!cart) throw new Error('cart route ran without reading the cart cookie');
    return step({ ...request, cart });
  });
}

function route(
  deps: RouteDeps,
  operation: string,
  usesCart: boolean,
  step: (request: RouteRequest, cart: CartCookie | undefined) => Promise<RouteResult>,
): ShopHandler {
  const { tracing, logger } = deps;
  return async (event, context) => {
    logger.addContext(context);
    logger.resetKeys();
    logger.appendKeys({ operation });
    const cart = usesCart ? readCartCookie(event, deps.newCartId) : undefined;
    const headers: Headers = {
      ...corsHeaders(deps.http.allowedOrigin),
      ...(cart && { 'Set-Cookie': cartCookie(cart.cartId, CART_COOKIE_MAX_AGE_SECONDS) }),
    };
    // The public Lambda helper's core, as any consumer's handler runs it.
    const setup: AnnotationSetup<APIGatewayProxyEvent> = {
      verifier: deps.verifier,
      tracing: async () => tracing,
      token: bearerToken,
      annotations: () => ({ operation, ...(cart && { generated_cart: cart.generated }) }),
      spanName: ANNOTATIONS_SUBSEGMENT,
      logger,
    };
    try {
      return await annotateInvocation(setup, event, async ({ identity, username }) => {
        logger.appendKeys({ username, ...(cart && { generated_cart: cart.generated }) });
        try {
          const result = await step({ event, identity }, cart);
          return json(result.statusCode, result.body, headers);
        } catch (error) {
          if (!isHttpError(error)) throw error;
          logger.info('request rejected', { statusCode: error.statusCode, code: error.code });
          return errorResponse(error, headers);
        }
      });
    } catch (error) {
      if (error instanceof Error) logger.error('request failed', error);
      else logger.error('request failed', { error: String(error) });
      throw error;
    }
  };
}
