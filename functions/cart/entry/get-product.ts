/** Lambda entry (bundled by infra/shop-stack.ts): wiring only. */
import { createGetProductHandler } from '../get-product';
import { productRuntime, lambdaHandler } from '../runtime';

export const handler = lambdaHandler(productRuntime().then(createGetProductHandler));
