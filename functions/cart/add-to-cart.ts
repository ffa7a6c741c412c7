/** POST /cart {productId, quantity?}: adds (or with a negative quantity removes) units. */
import { NotFoundError } from '../shared/errors';
import { parseJsonBody } from '../shared/http';
import { addQuantity, type CartStore } from './cart-store';
import type { Catalog } from './catalog';
import { cartExpiry, cartPartition } from './owner';
import { cartRoute, type RouteDeps, type ShopHandler } from './route';
import { addToCartBody } from './schemas';

export function createAddToCartHandler(
  deps: RouteDeps & { store: CartStore; catalog: Catalog },
): ShopHandler {
  return cartRoute(deps, 'cart.add', async ({ event, identity, cart }) => {
    const body = parseJsonBody(event, addToCartBody);
    const product = deps.catalog.get(body.productId);
    if (!product) throw new NotFoundError(`no product ${body.productId}`);
    const quantity = await addQuantity(deps.store, {
      pk: cartPartition(identity, cart),
      product,
      quantity: body.quantity,
      expiresAt: cartExpiry(identity, deps.now()),
    });
    return { statusCode: 200, body: { productId: product.productId, quantity } };
  });
}
