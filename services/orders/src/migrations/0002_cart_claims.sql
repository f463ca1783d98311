-- One order per cart revision (the cart's view carries one; every write to a cart makes a new one), so
-- placements racing with different Idempotency-Keys on one cart place it once (API.md); the others get 409.
create table cart_claims (
  user_id text not null,
  cart_revision text not null,
  order_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (user_id, cart_revision)
);
