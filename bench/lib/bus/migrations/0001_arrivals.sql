-- One row per handled benchmark event: outbox insert → committed handler effect, in milliseconds.
create table arrivals (
  seq integer not null,
  latency_ms double precision not null,
  arrived_at timestamptz not null default clock_timestamp()
);
