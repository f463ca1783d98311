-- A cart's id is derived from its user id (cartIdOf, src/domain/cart.ts), so the primary key alone already
-- gives a user one cart; the unique constraint on user_id said it a second time. It did harm: the writes
-- that create the cart row (`insert … on conflict (id) do update`, src/store.ts) absorb a conflict only on
-- the index they name. Two first adds to a new cart racing inside that INSERT could both pass the check on
-- the primary key, and the second then failed on carts_user_id_key (23505): a rare 500 from
-- POST /api/cart/items under concurrency and load. With one unique index, the upsert covers every conflict.
alter table carts drop constraint carts_user_id_key;
