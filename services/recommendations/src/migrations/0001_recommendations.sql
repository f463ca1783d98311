-- Recommendations: what the model learns from, in the order every instance applies it (ADR 0025).
--
-- The instance that consumes an event writes its change here, in the consumer's transaction (the
-- kit's inbox makes that once per event); every instance reads the rows after its own position and
-- applies them to its model in memory. `tx` is the writing transaction's id: a reader takes only rows
-- of transactions older than every transaction still running, in (tx, seq) order, so a row committed
-- late is never passed over.
create table model_changes (
  seq bigserial primary key,
  tx xid8 not null default pg_current_xact_id(),
  change jsonb not null,
  recorded_at timestamptz(3) not null default now()
);
create index model_changes_position on model_changes (tx, seq);

-- The model as of a position in model_changes, so a restart replays only what came after it.
create table model_snapshots (
  id bigserial primary key,
  position_tx xid8 not null,
  position_seq bigint not null,
  taken_at timestamptz(3) not null default now(),
  -- gzip of the model's JSON (ItemModel.toSnapshot)
  model bytea not null
);
