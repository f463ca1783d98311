import type { OrderRow } from '../store.ts';

/** An order as API.md shows it: never the payment token nor the saga's bookkeeping. */
export function orderView(order: OrderRow) {
  const money = (amount: number) => ({ amount, currency: order.currency });
  return {
    id: order.id,
    userId: order.userId,
    status: order.status,
    ...(order.cancelReason ? { cancelReason: order.cancelReason } : {}),
    lines: order.lines.map((line) => ({
      sku: line.sku,
      productId: line.productId,
      name: line.name,
      unitPrice: line.unitPrice,
      quantity: line.quantity,
      lineTotal: money(line.unitPrice.amount * line.quantity),
    })),
    subtotal: money(order.subtotal),
    shipping: money(order.shipping),
    total: money(order.total),
    shippingAddress: order.shippingAddress,
    payment: {
      status: order.paymentStatus,
      ...(order.paymentBrand ? { brand: order.paymentBrand } : {}),
      ...(order.paymentLast4 ? { last4: order.paymentLast4 } : {}),
    },
    ...(order.shipment ? { shipment: order.shipment } : {}),
    history: order.history.map((entry) => ({ status: entry.status, at: entry.at, ...(entry.detail ? { detail: entry.detail } : {}) })),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

/** List cursors are the last order id of a page (ids are UUIDv7: newest first is id descending). */
export const encodeCursor = (id: string): string => Buffer.from(id).toString('base64url');
export function decodeCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : undefined;
}
