/** POST /cart/migrate: after sign-in, moves the cookie's anonymous cart into the user's cart. */
import { UnauthorizedError } from '../shared/errors';
import { anonymousPartition, listLines, mergeCarts, userPartition, type CartStore } from './cart-store';
import { cartExpiry } from './owner';
import { cartRoute, type RouteDeps, type ShopHandler } from './route';

export function createMigrateCartHandler(deps: RouteDeps & { store: CartStore }): ShopHandler {
  return cartRoute(deps, 'cart.migrate', async ({ identity, cart }) => {
    if (identity.kind !== 'user') throw new UnauthorizedError('sign in to keep your cart');
    const to = userPartition(identity.sub);
    if (cart.generated) {
      // No cookie, so no anonymous cart: nothing to move.
      return {
        statusCode: 200,
        body: { moved: 0, products: await listLines(deps.store, to, { consistent: true }) },
      };
    }
    const { moved, lines } = await mergeCarts(
      deps.store,
      anonymousPartition(cart.cartId),
      to,
      cartExpiry(identity, deps.now()),
    );
    return { statusCode: 200, body: { moved, products: lines } };
  });
}
