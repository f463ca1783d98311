import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../config.ts';

/** SHA-256 of a client secret: what identity and the registry hold instead of the secret. */
export function secretHash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * The platform's OAuth2 clients (one per service, plus the `mercato` command): a JSON object mapping
 * a client id to the SHA-256 (hex) of its secret, as `mercato up` provisions them in
 * `IDENTITY_SERVICE_CLIENTS` and `REGISTRY_SERVICE_CLIENTS`. Nobody but the client holds the secret.
 */
export class ServiceClients {
  readonly #hashes: Map<string, Buffer>;

  constructor(json: string | undefined, variable = 'IDENTITY_SERVICE_CLIENTS') {
    let parsed: unknown = {};
    try {
      parsed = json ? JSON.parse(json) : {};
    } catch {
      throw new ConfigError(variable, 'must be a JSON object of client id → SHA-256 hex');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(variable, 'must be a JSON object of client id → SHA-256 hex');
    }
    this.#hashes = new Map();
    for (const [id, hex] of Object.entries(parsed)) {
      if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/i.test(hex)) throw new ConfigError(variable, `has no SHA-256 hex for ${id}`);
      this.#hashes.set(id, Buffer.from(hex, 'hex'));
    }
  }

  get size(): number {
    return this.#hashes.size;
  }

  /** True when the secret is the client's; constant time in the secret. */
  check(clientId: string, secret: string): boolean {
    const expected = this.#hashes.get(clientId);
    const actual = secretHash(secret);
    return expected !== undefined && timingSafeEqual(expected, actual);
  }

  /** The stored hash: the key both sides of a JWKS proof know (see `jwks-proof.ts`). */
  hashOf(clientId: string): Buffer | undefined {
    return this.#hashes.get(clientId);
  }
}
