/** Request shapes, checked at the edge: anything else is a 400 naming the field. */
import * as z from 'zod/mini';

/** Quantities per request stay small: a typo of 1e9 units is a client error, not a cart. */
const MAX_UNITS = 100;

export const productPath = z.object({ product_id: z.guid('product_id must be a product id') });

export const addToCartBody = z.object({
  productId: z.guid('productId must be a product id'),
  /** Negative removes units, as in the sample; zero would be a no-op write. */
  quantity: z._default(
    z.number().check(
      z.int(),
      z.minimum(-MAX_UNITS),
      z.maximum(MAX_UNITS),
      z.refine((n) => n !== 0, 'quantity must not be 0'),
    ),
    1,
  ),
});

export const updateCartBody = z.object({
  quantity: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_UNITS)),
});
