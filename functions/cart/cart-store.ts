/**
 * Cart persistence, one plain function per DynamoDB access pattern, with the DocumentClient
 * injected. Layout as in the sample: pk `user#<sub>` (signed in) or `cart#<cartId>` (anonymous),
 * sk `product#<productId>`, plus quantity, a copy of the product and a TTL.
 *
 * Any DynamoDB failure other than a failed condition surfaces as a DependencyError: a fault, so a
 * table outage shows up in traces and alarms as what it is.
 */
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { ConflictError, DependencyError } from '../shared/errors';
import type { Product } from './catalog';

/** Key attribute names; infra and local create the table with these. */
export const CART_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export interface CartStore {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

export interface CartLine {
  productId: string;
  quantity: number;
  productDetail: Record<string, unknown>;
}

export const userPartition = (sub: string) => `user#${sub}`;
export const anonymousPartition = (cartId: string) => `cart#${cartId}`;
const productSortKey = (productId: string) => `product#${productId}`;

const storedLine = z.object({
  sk: z.string().check(z.startsWith('product#')),
  quantity: z.number(),
  productDetail: z.record(z.string(), z.unknown()),
});

async function dynamo<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') throw error;
    throw new DependencyError('dynamodb', `DynamoDB ${operation} failed`, { cause: error });
  }
}

/** Lines with a positive quantity, every page. */
export async function listLines(
  store: CartStore,
  pk: string,
  options: { consistent?: boolean } = {},
): Promise<CartLine[]> {
  const lines: CartLine[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo('Query', () =>
      store.doc.send(
        new QueryCommand({
          TableName: store.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :product)',
          FilterExpression: 'quantity > :zero',
          ProjectionExpression: 'sk, quantity, productDetail',
          ExpressionAttributeValues: { ':pk': pk, ':product': 'product#', ':zero': 0 },
          ConsistentRead: options.consistent ?? false,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      // Our own data: a line that does not parse is a bug or corruption, hence a fault.
      const line = z.parse(storedLine, item);
      lines.push({
        productId: line.sk.slice('product#'.length),
        quantity: line.quantity,
        productDetail: line.productDetail,
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return lines;
}

export interface LineChange {
  pk: string;
  product: Product;
  quantity: number;
  /** Epoch seconds for the table's TTL attribute. */
  expiresAt: number;
}

/**
 * Adds (or with a negative quantity, removes) units of a product. Returns the new quantity.
 * The condition keeps a removal from taking the quantity below zero.
 */
export async function addQuantity(store: CartStore, change: LineChange): Promise<number> {
  const removing = change.quantity < 0;
  try {
    const result = await dynamo('UpdateItem', () =>
      store.doc.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: { pk: change.pk, sk: productSortKey(change.product.productId) },
          UpdateExpression: 'ADD quantity :delta SET expirationTime = :ttl, productDetail = :detail',
          ExpressionAttributeValues: {
            ':delta': change.quantity,
            ':ttl': change.expiresAt,
            ':detail': change.product,
            ...(removing && { ':needed': -change.quantity }),
          },
          ...(removing && { ConditionExpression: 'quantity >= :needed' }),
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(result.Attributes?.['quantity'] ?? 0);
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
      throw new ConflictError('cannot remove more units than the cart holds', 'quantity_below_zero');
    }
    throw error;
  }
}

/** Sets the quantity outright (idempotent, unlike {@link addQuantity}). Zero hides the line. */
export async function setQuantity(store: CartStore, change: LineChange): Promise<void> {
  await dynamo('PutItem', () =>
    store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          pk: change.pk,
          sk: productSortKey(change.product.productId),
          quantity: change.quantity,
          expirationTime: change.expiresAt,
          productDetail: change.product,
        },
      }),
    ),
  );
}

async function deleteLine(store: CartStore, pk: string, productId: string): Promise<void> {
  await dynamo('DeleteItem', () =>
    store.doc.send(
      new DeleteCommand({ TableName: store.tableName, Key: { pk, sk: productSortKey(productId) } }),
    ),
  );
}

/**
 * Empties a cart and returns what it held. DeleteItem per line rather than BatchWriteItem so the
 * function's role needs no put permission; carts are small.
 */
export async function clearCart(store: CartStore, pk: string): Promise<CartLine[]> {
  const lines = await listLines(store, pk, { consistent: true });
  await Promise.all(lines.map((line) => deleteLine(store, pk, line.productId)));
  return lines;
}

/**
 * Moves an anonymous cart into a user's cart, summing quantities, then returns the user's cart.
 * Per line: add to the user first, then delete the anonymous line, so a failure part-way loses
 * nothing (a retry may count a line twice; without transactions that is the safer side).
 */
export async function mergeCarts(
  store: CartStore,
  from: string,
  to: string,
  expiresAt: number,
): Promise<{ moved: number; lines: CartLine[] }> {
  const anonymous = await listLines(store, from, { consistent: true });
  await Promise.all(
    anonymous.map(async (line) => {
      await dynamo('UpdateItem', () =>
        store.doc.send(
          new UpdateCommand({
            TableName: store.tableName,
            Key: { pk: to, sk: productSortKey(line.productId) },
            UpdateExpression: 'ADD quantity :delta SET expirationTime = :ttl, productDetail = :detail',
            ExpressionAttributeValues: {
              ':delta': line.quantity,
              ':ttl': expiresAt,
              ':detail': line.productDetail,
            },
          }),
        ),
      );
      await deleteLine(store, from, line.productId);
    }),
  );
  return { moved: anonymous.length, lines: await listLines(store, to, { consistent: true }) };
}
