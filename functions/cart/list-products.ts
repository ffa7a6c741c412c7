/** GET /product: the whole catalog. */
import type { Catalog } from './catalog';
import { productRoute, type RouteDeps, type ShopHandler } from './route';

export function createListProductsHandler(deps: RouteDeps & { catalog: Catalog }): ShopHandler {
  return productRoute(deps, 'product.list', async () => ({
    statusCode: 200,
    body: { products: deps.catalog.list() },
  }));
}
