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

/** Why the service chose the products (API.md, "Recommendations and composition"). */
export type RecommendationStrategy = 'item_similarity' | 'personal' | 'popularity';

/** `GET /api/recommendations` and `/api/recommendations/me`: a row, not a page (no cursor). */
export interface Recommendations {
  items: ProductSummary[];
  strategy: RecommendationStrategy;
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

/** The operators' routes (API.md, "Health and operations"; every one admin only). */
export interface OpsServices {
  services: { name: string; instances: { id: string; url: string; status: string; startedAt: string }[] }[];
}

/** Counts over the last `windowSeconds` (60: so each count is a rate per minute). */
export interface BusinessFigures {
  windowSeconds: number;
  ordersPlaced: number;
  ordersConfirmed: number;
  ordersCancelled: Record<string, number>;
  revenueConfirmed: Money[];
  paymentDeclines: number;
  reservationFailures: number;
  sagaStepP99Ms: Record<string, number>;
}

export interface OpsMetrics {
  at: string;
  services: { name: string; instances: number; rps: number; p99Ms: number; errorRate: number }[];
  bus: { backlog: number; deadLetters: number; oldestOutboxAgeSeconds?: number; sagaOldestStepAgeSeconds?: number };
  /** Absent from a gateway that does not report business figures yet. */
  business?: BusinessFigures;
}

export interface DeadLetter {
  service: string;
  id: string;
  type: string;
  subject: string;
  reason: string;
  attempts: number;
  failedAt: string;
}

export interface TraceSummary {
  traceId: string;
  name: string;
  startedAt: string;
  durationMs: number;
  services: string[];
  spanCount: number;
  error: boolean;
}

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

export interface Span {
  spanId: string;
  /** May name a span that was not kept: such a span is a root here. */
  parentSpanId: string | null;
  service: string;
  instance: string;
  name: string;
  kind: SpanKind;
  startedAt: string;
  durationMs: number;
  status: 'ok' | 'error';
  attributes: Record<string, string | number | boolean>;
}

export interface Trace {
  traceId: string;
  spans: Span[];
}

export interface ServiceMapEdge {
  from: string;
  to: string;
  via: 'http' | 'bus';
  calls: number;
  perSecond: number;
  errors: number;
  /** 0–1. */
  errorRate: number;
}

export interface ServiceMap {
  since: string;
  until: string;
  nodes: { name: string }[];
  edges: ServiceMapEdge[];
}

/** Something the platform did or noticed by itself (`alert_firing`, `alert_resolved`, later restarts and scaling). */
export interface OpsEvent {
  id: string;
  at: string;
  kind: string;
  service: string;
  detail: unknown;
}

/** One service's scaling state at `GET /api/ops/scaling`; `forecast` is requests per second, one point per step. */
export interface ServiceScaling {
  name: string;
  instances: number;
  desired: number;
  min: number;
  max: number;
  forecast: { at: string; value: number }[];
  reason: string;
  decidedAt: string;
}

/** `GET /api/ops/scaling`: with autoscaling off every `desired` is `instances` and `reason` is `autoscaling off`. */
export interface OpsScaling {
  autoscaling: boolean;
  services: ServiceScaling[];
}
