/** GET /cart: the caller's cart lines. */
import { listLines, type CartStore } from './cart-store';
import { cartPartition } from './owner';
import { cartRoute, type RouteDeps, type ShopHandler } from './route';

export function createListCartHandler(deps: RouteDeps & { store: CartStore }): ShopHandler {
  return cartRoute(deps, 'cart.list', async ({ identity, cart }) => {
    // A cart id made up on this request cannot have lines yet; a signed-in user's cart can (the
    // sample skipped the query on a new cookie even for signed-in users and showed them nothing).
    if (identity.kind === 'anonymous' && cart.generated) return { statusCode: 200, body: { products: [] } };
    const products = await listLines(deps.store, cartPartition(identity, cart));
    return { statusCode: 200, body: { products } };
  });
}
