/** Lambda entry (bundled by infra/shop-stack.ts): wiring only. */
import { createAddToCartHandler } from '../add-to-cart';
import { cartRuntime } from '../cart-runtime';
import { lambdaHandler } from '../runtime';

export const handler = lambdaHandler(cartRuntime().then(createAddToCartHandler));
