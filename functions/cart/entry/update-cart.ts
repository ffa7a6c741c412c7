/** Lambda entry (bundled by infra/shop-stack.ts): wiring only. */
import { createUpdateCartHandler } from '../update-cart';
import { cartRuntime } from '../cart-runtime';
import { lambdaHandler } from '../runtime';

export const handler = lambdaHandler(cartRuntime().then(createUpdateCartHandler));
