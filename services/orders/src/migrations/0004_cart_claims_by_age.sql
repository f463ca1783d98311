-- The saga sweeper deletes cart claims older than 48 h every hour (store.ts, forgetKeysOlderThan), as it
-- does idempotency keys, which have had an index by age from the start (0001). Claims had none, so the
-- delete read every claim to find the oldest hour's: a sequential scan of all 200,000 claims of a busy
-- two days to remove about 4,000 (13-26 ms; 4-7 ms through this index), growing with the table rather
-- than with what it removes. Found by test/query-plans-at-scale.test.ts (issue 9).
create index cart_claims_by_age on cart_claims (created_at);
