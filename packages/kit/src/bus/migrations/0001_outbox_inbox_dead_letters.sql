-- The bus tables every service with a database gets (packages/kit/src/bus).

-- Events waiting to leave this service. A row is written in the same transaction as the state
-- change it announces, and deleted once the relay has handed it to the bus.
create table mercato_outbox (
  seq bigint generated always as identity primary key,
  id uuid not null unique,
  subject text not null,
  envelope jsonb not null,
  created_at timestamptz not null default now()
);

-- Events this service has handled, per consumer: a redelivered event finds its row and has no second effect.
create table mercato_inbox (
  consumer text not null,
  event_id uuid not null,
  handled_at timestamptz not null default now(),
  primary key (consumer, event_id)
);

-- Events a consumer gave up on (invalid, or still failing after the last attempt), for an operator to list and replay.
create table mercato_dead_letters (
  id bigint generated always as identity primary key,
  consumer text not null,
  event_id text,
  type text,
  envelope jsonb not null,
  reason text not null,
  attempts integer not null,
  failed_at timestamptz not null default now(),
  replayed_at timestamptz
);
create index mercato_dead_letters_open on mercato_dead_letters (consumer, id) where replayed_at is null;

-- Wakes the relay when a transaction that wrote outbox rows commits (NOTIFY is delivered on commit).
create function mercato_outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('mercato_outbox', '');
  return null;
end
$$;
create trigger mercato_outbox_notify after insert on mercato_outbox for each statement execute function mercato_outbox_notify();
