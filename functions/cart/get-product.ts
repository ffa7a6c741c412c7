/** GET /product/{product_id}: one product, or 404 (the sample answered 200 with null). */
import { NotFoundError } from '../shared/errors';
import { parsePathParameters } from '../shared/http';
import type { Catalog } from './catalog';
import { productRoute, type RouteDeps, type ShopHandler } from './route';
import { productPath } from './schemas';

export function createGetProductHandler(deps: RouteDeps & { catalog: Catalog }): ShopHandler {
  return productRoute(deps, 'product.get', async ({ event }) => {
    const { product_id } = parsePathParameters(event, productPath);
    const product = deps.catalog.get(product_id);
    if (!product) throw new NotFoundError(`no product ${product_id}`);
    return { statusCode: 200, body: { product } };
  });
}
