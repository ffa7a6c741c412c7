/** Production wiring for the cart functions: the route dependencies plus the captured DynamoDB client. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadCartConfig, type Env } from '../shared/config';
import type { CartStore } from './cart-store';
import { createCatalog, type Catalog } from './catalog';
import type { RouteDeps } from './route';
import { loadRouteConfig, routeRuntime } from './runtime';

export async function cartRuntime(
  env: Env = process.env,
): Promise<RouteDeps & { catalog: Catalog; store: CartStore }> {
  const config = loadRouteConfig(env, loadCartConfig);
  const catalog = createCatalog();
  const deps = await routeRuntime(config, env);
  // Captured before wrapping: the DocumentClient shares the client's middleware stack, so every
  // table call becomes a DynamoDB subsegment under whatever subsegment is open.
  const client = deps.tracing.captureClient(new DynamoDBClient({}));
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { ...deps, catalog, store: { doc, tableName: config.tableName } };
}
