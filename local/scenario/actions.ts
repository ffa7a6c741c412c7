/**
 * What a shopper can do, and which actions reach the carts table: only those can be hit by a
 * DynamoDB fault. Product reads come from the bundled catalog; checkout and migrate refuse
 * anyone not signed in (401) before touching the table.
 */

export const SHOP_ACTIONS = [
  'product.list',
  'product.get',
  'cart.add',
  'cart.list',
  'cart.update',
  'cart.checkout',
  'cart.migrate',
] as const;
export type ShopAction = (typeof SHOP_ACTIONS)[number];

export type ShopperKind = 'registered' | 'anonymous' | 'forger';

const CART_ACTIONS: readonly ShopAction[] = [
  'cart.add',
  'cart.list',
  'cart.update',
  'cart.checkout',
  'cart.migrate',
];
const SIGNED_IN_ONLY: ReadonlySet<ShopAction> = new Set(['cart.checkout', 'cart.migrate']);

/** Whether `action` by a `kind` shopper calls DynamoDB (anonymous `cart.list` only with a cart cookie). */
export function reachesDynamo(kind: ShopperKind, action: ShopAction): boolean {
  if (!CART_ACTIONS.includes(action)) return false;
  return kind === 'registered' || !SIGNED_IN_ONLY.has(action);
}

/** The cart actions a `kind` shopper can send to DynamoDB. */
export function dynamoActions(kind: ShopperKind): ShopAction[] {
  return CART_ACTIONS.filter((a) => reachesDynamo(kind, a));
}

/** Actions that make one DynamoDB call; a slowed checkout makes one per cart line on top. */
export const SINGLE_CALL_ACTIONS: ReadonlySet<ShopAction> = new Set(['cart.add', 'cart.list', 'cart.update']);
