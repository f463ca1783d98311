import { api } from './api.ts';
import { session } from './session.ts';
import { createStore } from './store.ts';
import type { Cart } from './types.ts';

/** The signed-in shopper's cart as last seen: the header's count follows it. */
export const cart = createStore<Cart | undefined>(undefined);

export async function loadCart(): Promise<Cart | undefined> {
  if (!session.get()) {
    cart.set(undefined);
    return undefined;
  }
  // Every page asks for the cart's count: a spent session must not send a shopper from any page to sign in.
  const answer = await api<Cart>('/api/cart', { auth: 'ifSignedIn' });
  cart.set(answer);
  return answer;
}

/** Every cart route answers the cart: whatever changed it, the count follows. */
export async function changeCart(path: string, method: string, body?: unknown): Promise<Cart> {
  const answer = await api<Cart>(path, { method, body, auth: true });
  cart.set(answer);
  return answer;
}

session.subscribe(() => {
  if (!session.get()) cart.set(undefined);
});
