-- How far model_changes was trimmed (one row): an instance whose position is behind it missed changes
-- and loads the latest snapshot again instead of going on.
create table model_changes_trimmed (
  id smallint primary key check (id = 1),
  position_tx xid8 not null,
  position_seq bigint not null
);
