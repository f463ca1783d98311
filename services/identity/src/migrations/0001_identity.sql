-- Shoppers and staff. Email is stored lowercased (unique); the address is AES-256-GCM ciphertext.
create table users (
  id uuid primary key,
  email text not null unique,
  name text not null,
  password_hash text not null,
  roles text[] not null default '{customer}',
  address_enc text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Refresh tokens, stored only as SHA-256 of the token. A family is one login: every rotation stays in
-- it, and reusing a spent token revokes the whole family.
create table refresh_tokens (
  token_hash bytea primary key,
  family_id uuid not null,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz
);
create index refresh_tokens_family on refresh_tokens (family_id);

-- Ed25519 signing keys; the private key is encrypted with the data key. The newest unretired key signs;
-- retired keys stay in the JWKS until the tokens they signed have expired.
create table signing_keys (
  kid text primary key,
  public_jwk jsonb not null,
  private_enc text not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);

-- Consecutive failed logins per account (`account:<email>`) and per client address (`ip:<addr>`).
create table login_failures (
  key text primary key,
  failures integer not null default 0,
  lockouts integer not null default 0,
  locked_until timestamptz,
  updated_at timestamptz not null default now()
);
