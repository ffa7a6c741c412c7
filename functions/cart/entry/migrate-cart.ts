/** Lambda entry (bundled by infra/shop-stack.ts): wiring only. */
import { createMigrateCartHandler } from '../migrate-cart';
import { cartRuntime } from '../cart-runtime';
import { lambdaHandler } from '../runtime';

export const handler = lambdaHandler(cartRuntime().then(createMigrateCartHandler));
