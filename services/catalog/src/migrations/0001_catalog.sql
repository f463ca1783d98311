-- Trigram matching makes search typo tolerant ("hedphones" finds headphones). pg_trgm is a trusted
-- extension (PostgreSQL 13+), so the service's role creates it in the database it owns.
create extension if not exists pg_trgm;

-- Categories are made on first use by a product (their name derived from the slug).
create table categories (
  slug text primary key,
  name text not null,
  created_at timestamptz(3) not null default now()
);

-- One SKU per product (API.md, v1). Times are kept to the millisecond so a listing cursor holds the exact
-- value a row has (JavaScript dates have no microseconds).
create table products (
  id uuid primary key,
  slug text not null,
  name text not null,
  description text not null default '',
  category text not null references categories (slug),
  price_amount bigint not null check (price_amount >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  sku text not null unique,
  images text[] not null default '{}',
  attributes jsonb not null default '{}',
  archived_at timestamptz(3),
  created_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now(),
  -- Full text: a word in the name weighs more (A) than in the category (B), more than in the description (C).
  search tsvector generated always as (
    setweight(to_tsvector('english', name), 'A') ||
    setweight(to_tsvector('english', replace(category, '-', ' ')), 'B') ||
    setweight(to_tsvector('english', description), 'C')
  ) stored,
  -- What trigram (typo) matching compares the query with: name and category, not the long description.
  search_text text generated always as (lower(name || ' ' || replace(category, '-', ' '))) stored
);

-- A slug is unique among listed products: an archived product's slug may be used again. SKUs stay
-- unique for good, since carts and orders keep referring to them.
create unique index products_slug_listed on products (slug) where archived_at is null;
create index products_search on products using gin (search);
create index products_search_trgm on products using gin (search_text gin_trgm_ops);
-- The keyset orders of GET /api/products, over listed products.
create index products_newest on products (created_at desc, id desc) where archived_at is null;
create index products_price on products (price_amount, id) where archived_at is null;
create index products_category on products (category) where archived_at is null;
