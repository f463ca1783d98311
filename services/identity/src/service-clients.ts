import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The OAuth2 clients (one per service, plus the `mercato` command): `IDENTITY_SERVICE_CLIENTS` maps a
 * client id to the SHA-256 (hex) of its secret, as `mercato up` provisions them. Identity never holds
 * the secrets themselves.
 */
export class ServiceClients {
  readonly #hashes: Map<string, Buffer>;

  constructor(json: string | undefined) {
    const parsed = json ? (JSON.parse(json) as Record<string, string>) : {};
    this.#hashes = new Map(Object.entries(parsed).map(([id, hex]) => [id, Buffer.from(hex, 'hex')]));
  }

  /** True when the secret is the client's; constant time in the secret. */
  check(clientId: string, secret: string): boolean {
    const expected = this.#hashes.get(clientId);
    const actual = createHash('sha256').update(secret).digest();
    return expected !== undefined && expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}
