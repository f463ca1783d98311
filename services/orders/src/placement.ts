import type { Address } from '@mercato/contracts';
import { annotateSpan, HttpProblem, type Logger, transaction, uuidv7 } from '@mercato/kit';
import { requestHash } from './domain/request-hash.ts';
import { type ShippingPolicy, shippingFor } from './domain/shipping.ts';
import { OrderProblems } from './errors.ts';
import type { CheckoutSaga } from './saga.ts';
import type { OrderLine, OrderRow, OrderStore } from './store.ts';
import type { Upstreams } from './upstreams.ts';

export interface PlaceOrder {
  userId: string;
  idempotencyKey: string;
  body: { shippingAddress: Address; paymentToken: string };
  traceparent: string;
}

export interface PlacementDeps {
  store: OrderStore;
  saga: CheckoutSaga;
  upstreams: Upstreams;
  shipping: ShippingPolicy;
  currency: string;
  log: Logger;
}

/**
 * Places an order from the user's cart, once per Idempotency-Key. The key is claimed in the
 * transaction that inserts the order, so a crash before the commit leaves neither behind, and a
 * concurrent request with the key waits on the key's row and then answers with that order. Cart and
 * catalog are read before that transaction, so no database connection waits on them.
 */
export async function placeOrder(deps: PlacementDeps, request: PlaceOrder): Promise<{ order: OrderRow; replay: boolean }> {
  const hash = requestHash(request.body);
  const earlier = await replayOf(deps, request, hash);
  if (earlier) {
    annotateSpan({ 'order.id': earlier.id, 'idempotent.replay': true });
    return { order: earlier, replay: true };
  }
  let cart: { revision: string; lines: OrderLine[] };
  try {
    cart = await priceCart(deps, request.userId);
  } catch (error) {
    // The same key's first request may have just emptied this cart: answer with its order.
    const raced = await replayOf(deps, request, hash);
    if (raced) return { order: raced, replay: true };
    throw error;
  }
  const { lines } = cart;
  const orderId = uuidv7();
  // The placement's trace is found by its order id (`/api/ops/traces?orderId=`).
  annotateSpan({ 'order.id': orderId });
  const subtotal = lines.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0);
  const outcome = await transaction(deps.store.db, async (tx): Promise<{ replayOf: string } | { order: OrderRow }> => {
    const existing = await deps.store.claimKey(tx, request.userId, request.idempotencyKey, hash, orderId);
    if (existing) return { replayOf: checkedReplay(existing, hash) };
    // Rolls the key's claim back too: another key's placement of this very cart committed (or commits) first.
    if (!(await deps.store.claimCart(tx, request.userId, cart.revision, orderId))) {
      throw new HttpProblem(OrderProblems.emptyCart, 'This cart was already placed as an order; add something to place another.');
    }
    const order = await deps.store.insert(tx, {
      id: orderId,
      userId: request.userId,
      lines,
      currency: deps.currency,
      subtotal,
      shipping: shippingFor(deps.shipping, request.body.shippingAddress.country, subtotal),
      shippingAddress: request.body.shippingAddress,
      paymentToken: request.body.paymentToken,
      stepDeadline: deps.saga.deadline(),
    });
    await deps.saga.start(tx, order, request.traceparent);
    return { order };
  });
  if ('replayOf' in outcome) return { order: await existingOrder(deps, outcome.replayOf), replay: true };
  try {
    await deps.upstreams.emptyCart(request.userId);
  } catch (error) {
    // The order stands; a cart left full is an annoyance, not a loss.
    deps.log.warn({ err: error, orderId }, 'could not empty the cart after placing an order');
  }
  return { order: outcome.order, replay: false };
}

/** The order an earlier request with this key placed (422 if that request had another body), if any. */
async function replayOf(deps: PlacementDeps, request: PlaceOrder, hash: string): Promise<OrderRow | undefined> {
  const existing = await deps.store.findKey(request.userId, request.idempotencyKey);
  return existing ? existingOrder(deps, checkedReplay(existing, hash)) : undefined;
}

function checkedReplay(existing: { requestHash: string; orderId: string }, hash: string): string {
  if (existing.requestHash !== hash) {
    throw new HttpProblem(OrderProblems.keyReused, 'This Idempotency-Key was first used with another body; use a new key for a new order.');
  }
  return existing.orderId;
}

async function existingOrder(deps: PlacementDeps, id: string): Promise<OrderRow> {
  const order = await deps.store.get(deps.store.db, id);
  if (!order) throw new Error(`order ${id} of an idempotency key is missing`);
  return order;
}

/** The cart's lines at the catalog's current names and prices (never the client's, nor the cart's snapshot). */
async function priceCart(deps: PlacementDeps, userId: string): Promise<{ revision: string; lines: OrderLine[] }> {
  const { revision, lines: cart } = await deps.upstreams.cart(userId);
  if (cart.length === 0) throw new HttpProblem(OrderProblems.emptyCart, 'Add something to the cart before placing an order.');
  const products = new Map((await deps.upstreams.products(cart.map((line) => line.sku))).map((p) => [p.sku, p]));
  const lines = cart.map((line) => {
    const product = products.get(line.sku);
    if (!product) {
      throw new HttpProblem(OrderProblems.unavailableProduct, `${line.sku} is no longer sold; remove it from the cart.`, {
        extensions: { sku: line.sku },
      });
    }
    if (product.price.currency !== deps.currency) {
      throw new HttpProblem(
        OrderProblems.wrongCurrency,
        `${line.sku} is priced in ${product.price.currency}, the shop sells in ${deps.currency}.`,
      );
    }
    return { sku: line.sku, productId: product.productId, name: product.name, unitPrice: product.price, quantity: line.quantity };
  });
  return { revision, lines };
}
