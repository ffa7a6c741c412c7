/**
 * Whose cart a request addresses. A verified user's cart is keyed by their `sub` (stable across
 * username changes); everyone else's by the cartId cookie.
 */
import type { Identity } from '../shared/identity';
import { anonymousPartition, userPartition } from './cart-store';
import type { CartCookie } from './route';

const DAY_SECONDS = 24 * 60 * 60;

export function cartPartition(identity: Identity, cart: CartCookie): string {
  return identity.kind === 'user' ? userPartition(identity.sub) : anonymousPartition(cart.cartId);
}

/** TTL epoch seconds: signed-in carts are kept a week, anonymous ones a day (as in the sample). */
export function cartExpiry(identity: Identity, now: Date): number {
  const days = identity.kind === 'user' ? 7 : 1;
  return Math.floor(now.getTime() / 1000) + days * DAY_SECONDS;
}
