-- A number that changes with every statement that writes products, whoever runs it (the API, a bulk
-- seed straight into the table, an operator's psql): the catalog keeps recent listings and searches in
-- memory under the number they were read at, and a listing first reads the number, so an answer is
-- reused only while no write has committed since (ADR 0022). Statement-level: a bulk load is one bump.
-- The row is locked by a writing transaction until it commits; product writes are an admin's, rare.
create table listing_version (
  singleton boolean primary key default true check (singleton),
  n bigint not null
);
insert into listing_version (singleton, n) values (true, 0);

create function catalog_bump_listing_version() returns trigger language plpgsql as $$
begin
  update listing_version set n = n + 1;
  return null;
end
$$;

create trigger products_listing_version after insert or update or delete or truncate on products
  for each statement execute function catalog_bump_listing_version();
