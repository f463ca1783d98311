import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for data at rest (addresses, phone numbers, signing keys). A ciphertext names the key
 * that made it (`v1.<kid>.<iv>.<tag>.<data>`), so keys can rotate: new writes use the first key,
 * reads find theirs by id.
 */
export class DataCipher {
  readonly #keys = new Map<string, Buffer>();
  readonly #current: string;

  /** From MERCATO_DATA_KEY's form: base64 32-byte keys, comma separated, the first one current. */
  static fromKeyList(list: string): DataCipher {
    return new DataCipher(list.split(',').map((key) => key.trim()));
  }

  /** `keys`: base64 32-byte keys, the first one current. */
  constructor(keys: readonly string[]) {
    for (const encoded of keys) {
      const key = Buffer.from(encoded, 'base64');
      if (key.length !== 32) throw new Error('a data key must be 32 bytes, base64-encoded');
      this.#keys.set(keyId(key), key);
    }
    const first = keys[0];
    if (!first) throw new Error('no data key');
    this.#current = keyId(Buffer.from(first, 'base64'));
  }

  encrypt(plaintext: string): string {
    const key = this.#keys.get(this.#current) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.#current, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(ciphertext: string): string {
    const [version, kid, iv, tag, data] = ciphertext.split('.');
    if (version !== 'v1' || !kid || !iv || !tag || data === undefined) throw new Error('not a v1 ciphertext');
    const key = this.#keys.get(kid);
    if (!key) throw new Error(`data key ${kid} is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}
