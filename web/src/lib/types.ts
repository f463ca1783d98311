/** The public API's shapes (API.md), as the app reads them. */
export interface Money {
  amount: number;
  currency: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Product {
  id: string;
  slug: string;
  name: string;
  description: string;
  category: string;
  price: Money;
  sku: string;
  images: string[];
  attributes: Record<string, string | number | boolean | (string | number)[]>;
  createdAt: string;
  updatedAt: string;
}

export interface ProductSummary {
  id: string;
  slug: string;
  name: string;
  price: Money;
  image: string | null;
  category: string;
}

export interface Category {
  slug: string;
  name: string;
  productCount: number;
}

export interface Availability {
  sku: string;
  available: number;
}

export interface Recommendations {
  items: ProductSummary[];
  strategy: string;
}

export interface StorefrontProduct {
  product: Product;
  availability: Availability | null;
  recommendations: Recommendations | null;
}

export interface CartLine {
  sku: string;
  productId: string;
  name: string;
  unitPrice: Money;
  quantity: number;
  lineTotal: Money;
}

export interface Cart {
  id: string;
  lines: CartLine[];
  subtotal: Money;
  itemCount: number;
}

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
  phone?: string;
}

export interface Profile {
  id: string;
  email: string;
  name: string;
  roles: string[];
  address?: Address;
}

export type OrderStatus = 'pending' | 'confirmed' | 'shipped' | 'cancelled';

export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  cancelReason?: string;
  lines: { sku: string; name: string; unitPrice: Money; quantity: number; lineTotal: Money }[];
  subtotal: Money;
  shipping: Money;
  total: Money;
  shippingAddress: Address;
  payment: { status: string; brand?: string; last4?: string };
  shipment?: { carrier: string; trackingNumber: string };
  history: { status: string; at: string; detail?: string }[];
  createdAt: string;
  updatedAt: string;
}
