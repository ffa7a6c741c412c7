/** PUT /cart/{product_id} {quantity}: sets the quantity outright (0 empties the line). */
import { NotFoundError } from '../shared/errors';
import { parseJsonBody, parsePathParameters } from '../shared/http';
import { setQuantity, type CartStore } from './cart-store';
import type { Catalog } from './catalog';
import { cartExpiry, cartPartition } from './owner';
import { cartRoute, type RouteDeps, type ShopHandler } from './route';
import { productPath, updateCartBody } from './schemas';

export function createUpdateCartHandler(
  deps: RouteDeps & { store: CartStore; catalog: Catalog },
): ShopHandler {
  return cartRoute(deps, 'cart.update', async ({ event, identity, cart }) => {
    const { product_id } = parsePathParameters(event, productPath);
    const { quantity } = parseJsonBody(event, updateCartBody);
    const product = deps.catalog.get(product_id);
    if (!product) throw new NotFoundError(`no product ${product_id}`);
    await setQuantity(deps.store, {
      pk: cartPartition(identity, cart),
      product,
      quantity,
      expiresAt: cartExpiry(identity, deps.now()),
    });
    return { statusCode: 200, body: { productId: product.productId, quantity } };
  });
}
