-- The shipping address (with its phone number) is personal data: new orders keep it only as AES-256-GCM
-- ciphertext (the kit's DataCipher, `v1.<kid>.…`, so MERCATO_DATA_KEY can rotate) and leave the plain column
-- null. Rows placed before this migration keep their plain JSON, which the store still reads; SQL cannot
-- encrypt them without the key.
alter table orders add column shipping_address_enc text;
alter table orders alter column shipping_address drop not null;
alter table orders add constraint orders_shipping_address_present check (shipping_address is not null or shipping_address_enc is not null);
