-- One payment intent per order. `status` is what the provider has done; `target` is what the saga
-- last asked for; `next_operation` is the provider call that brings one to the other (null: none),
-- written together with them by the store (domain/payment-intent.ts decides all three).
-- Card data: only the provider's token (until the authorization is decided), brand and last four.
create table payment_intents (
  order_id text primary key,
  payment_id uuid not null unique,
  status text not null check (status in ('pending', 'authorized', 'captured', 'voided', 'refunded', 'declined', 'failed')),
  target text not null check (target in ('authorized', 'captured', 'voided', 'refunded')),
  -- Minor units; null for an order that was closed (voided) before any authorize arrived.
  amount bigint check (amount >= 0),
  currency text check (currency ~ '^[A-Z]{3}$'),
  provider text not null,
  token text,
  provider_ref text,
  brand text,
  last4 text check (last4 ~ '^[0-9]{4}$'),
  failure_reason text check (failure_reason in ('payment_declined', 'payment_failed')),
  failure_detail text,
  -- The last provider error of the current step (operators' view of a void or refund being retried).
  last_error text,
  -- The trace of the command that asked for the current step, so the worker's reply continues it.
  traceparent text,
  next_operation text check (next_operation in ('authorize', 'capture', 'void', 'refund')),
  next_attempt_at timestamptz not null default now(),
  -- How many times a worker claimed next_operation (reset when a step completes).
  attempts integer not null default 0,
  -- A worker's claim on next_operation: no other worker calls the provider for it until lease_until.
  lease_token uuid,
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- What the worker scans: only intents that owe a provider call.
create index payment_intents_due on payment_intents (next_attempt_at) where next_operation is not null;

-- Money movements. One row of each kind per order at most, each of the whole amount: a repeated or
-- concurrent capture cannot write a second capture, so captured - refunded never exceeds authorized.
create table payment_ledger (
  id bigint generated always as identity primary key,
  order_id text not null references payment_intents (order_id),
  kind text not null check (kind in ('authorization', 'capture', 'void', 'refund')),
  amount bigint not null check (amount >= 0),
  currency text not null,
  provider_ref text not null,
  at timestamptz not null default now(),
  unique (order_id, kind)
);

-- The sandbox provider's own memory (providers/sandbox-provider.ts): what it did per idempotency
-- key, as a real provider would keep it on its side. Not read by the saga or the worker.
create table sandbox_provider_calls (
  idempotency_key text primary key,
  operation text not null check (operation in ('authorize', 'capture', 'void', 'refund')),
  provider_ref text,
  amount bigint,
  outcome jsonb not null,
  created_at timestamptz not null default now()
);
create index sandbox_provider_calls_by_ref on sandbox_provider_calls (provider_ref);
