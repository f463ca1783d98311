-- Stock per SKU. available = on_hand - reserved; both are kept consistent by conditional updates.
create table stock (
  sku text primary key,
  on_hand integer not null check (on_hand >= 0),
  reserved integer not null default 0 check (reserved >= 0 and reserved <= on_hand),
  low_threshold integer not null default 5 check (low_threshold >= 0),
  updated_at timestamptz not null default now()
);

-- A reservation holds units of one or more SKUs for one order until it is committed, released or expires.
create table reservations (
  id text primary key,
  status text not null check (status in ('held', 'committed', 'released', 'expired', 'failed')),
  reason text,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index reservations_held_by_deadline on reservations (expires_at) where status = 'held';

create table reservation_lines (
  reservation_id text not null references reservations (id) on delete cascade,
  sku text not null,
  quantity integer not null check (quantity > 0),
  primary key (reservation_id, sku)
);
