/** POST /cart/checkout: signed-in users only; empties the cart and returns the order lines. */
import { ConflictError, UnauthorizedError } from '../shared/errors';
import { clearCart, userPartition, type CartStore } from './cart-store';
import { cartRoute, type RouteDeps, type ShopHandler } from './route';

export function createCheckoutCartHandler(deps: RouteDeps & { store: CartStore }): ShopHandler {
  return cartRoute(deps, 'cart.checkout', async ({ identity }) => {
    // API Gateway's Cognito authorizer guards this route too; checking here keeps the handler
    // safe when it is invoked some other way (the local pipeline, a misconfigured route).
    if (identity.kind !== 'user') throw new UnauthorizedError('sign in to check out');
    const products = await clearCart(deps.store, userPartition(identity.sub));
    if (products.length === 0) throw new ConflictError('cart is empty', 'cart_empty');
    return { statusCode: 200, body: { products } };
  });
}
