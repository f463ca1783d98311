-- Orders and their checkout saga's state, kept in the same row so a step and its state change commit together.
create table orders (
  id uuid primary key,
  user_id text not null,
  status text not null check (status in ('pending', 'confirmed', 'shipped', 'cancelled')),
  cancel_reason text,
  lines jsonb not null,
  currency char(3) not null,
  subtotal bigint not null check (subtotal >= 0),
  shipping bigint not null check (shipping >= 0),
  total bigint not null check (total = subtotal + shipping),
  shipping_address jsonb not null,
  -- The provider token travels to payments with the authorize command and is forgotten once it answers.
  payment_token text,
  payment_status text not null default 'pending',
  payment_brand text,
  payment_last4 text,
  -- reserving → authorizing → committing → capturing → done, or → compensating → done.
  saga_step text not null,
  -- While compensating: the reason the order will be cancelled with, and which replies are still awaited.
  pending_reason text,
  awaiting_stock_release boolean not null default false,
  awaiting_payment_return boolean not null default false,
  payment_return text check (payment_return in ('void', 'refund')),
  step_deadline timestamptz,
  step_attempts integer not null default 0,
  shipment jsonb,
  history jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index orders_by_user on orders (user_id, id desc);
create index orders_by_status on orders (status, id desc);
create index orders_in_flight on orders (step_deadline) where saga_step <> 'done';

-- Idempotency-Key per user: the request's hash and the order it created; kept at least 24 h.
create table idempotency_keys (
  user_id text not null,
  key text not null,
  request_hash text not null,
  order_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);

create index idempotency_keys_by_age on idempotency_keys (created_at);
