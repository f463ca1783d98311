-- One cart per signed-in user. Its id is derived from the user id (src/domain/cart.ts), so a user has the
-- same cart id before the row exists, while it exists, and after the cart is emptied (the row deleted).
-- Every write to a cart locks this row first: writes to one cart run one after another.
create table carts (
  id uuid primary key,
  user_id text not null unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- A line per SKU. Name and unit price are a snapshot of the catalog's, taken when the line is added and
-- kept current by catalog events (src/handlers.ts). The limits of API.md hold in the database too.
create table cart_lines (
  cart_id uuid not null references carts (id) on delete cascade,
  sku text not null,
  product_id uuid not null,
  name text not null,
  unit_amount bigint not null check (unit_amount >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  quantity integer not null check (quantity between 1 and 99),
  -- The order lines are shown in: first added first.
  seq bigint generated always as identity,
  added_at timestamptz not null default now(),
  primary key (cart_id, sku)
);
-- Catalog events name a product: its lines in every cart are found by this.
create index cart_lines_by_product on cart_lines (product_id);

-- The last catalog event seen per product (null: not carried by any event seen yet), so an add that
-- asked the catalog before an event was handled still writes what the event says (src/store.ts).
-- One row per product that changed since the cart started; a product is archived for good.
create table catalog_products (
  product_id uuid primary key,
  name text,
  unit_amount bigint,
  currency text,
  archived boolean not null default false,
  changed_at timestamptz not null
);
