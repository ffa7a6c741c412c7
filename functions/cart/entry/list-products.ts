/** Lambda entry (bundled by infra/shop-stack.ts): wiring only. */
import { createListProductsHandler } from '../list-products';
import { productRuntime, lambdaHandler } from '../runtime';

export const handler = lambdaHandler(productRuntime().then(createListProductsHandler));
