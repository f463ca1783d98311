-- When the order's saga entered its current step (or compensation round). A step's command is sent in
-- the transaction that moves the order into the step, so this is also when that command went out: it
-- gives mercato_saga_step_duration_seconds (command sent → reply applied) and
-- mercato_saga_oldest_step_age_seconds (the longest wait of an order in flight). `updated_at` cannot
-- serve: a resent compensation, and a reply the round only takes note of, update the row too.
-- now() is evaluated once for the whole ALTER (it is not volatile), so adding the column rewrites no
-- row. Orders in flight take their last change as the best estimate there is (found through
-- orders_in_flight).
alter table orders add column step_started_at timestamptz not null default now();
update orders set step_started_at = updated_at where saga_step <> 'done';
