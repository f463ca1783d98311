-- Card tokens are no longer kept by payments (ADR 0015): it asks orders for one right before the
-- provider call and holds it only in memory. Dropping the column also erases any left from before.
alter table payment_intents drop column if exists token;
