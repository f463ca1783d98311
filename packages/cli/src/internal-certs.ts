// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API first.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

/**
 * The certificates of MERCATO_INTERNAL_TLS=on (docs/security.md): one local CA kept in the data
 * directory, and per start a key and certificate for every process, each valid as server and client.
 * Node's crypto can sign but not issue X.509 certificates, hence the library; the supervisor imports
 * this module only when the option is on (ADR 0021: nothing more is loaded by default).
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const CA_YEARS = 10;
/** A process certificate lives as long as one `mercato up` may reasonably run; the next start makes new ones. */
const LEAF_DAYS = 90;

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export interface LocalCa extends IssuedCertificate {
  issue(commonName: string): Promise<IssuedCertificate>;
}

function serial(): string {
  // Positive (top bit clear), 128 bits of randomness: RFC 5280 §4.1.2.2.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}

function caFrom(certPem: string, keyPemText: string, signingKey: CryptoKey): LocalCa {
  const caCert = new x509.X509Certificate(certPem);
  return {
    certPem,
    keyPem: keyPemText,
    async issue(commonName) {
      const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
      const now = Date.now();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${commonName}`,
        issuer: caCert.subject,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + LEAF_DAYS * DAY_MS),
        signingAlgorithm: EC,
        publicKey: keys.publicKey,
        signingKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          new x509.SubjectAlternativeNameExtension([
            { type: 'ip', value: '127.0.0.1' },
            { type: 'dns', value: 'localhost' },
          ]),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
    },
  };
}

/** A new CA (ECDSA P-256, ten years); `name` only labels it. */
export async function createLocalCa(name = 'Mercato internal CA'): Promise<LocalCa> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_YEARS * 365 * DAY_MS),
    signingAlgorithm: EC,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return caFrom(cert.toString('pem'), await keyPem(keys.privateKey), keys.privateKey);
}

export interface InternalTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Makes the CA once under `<dataDir>/internal-tls/` and, on every call, a fresh key and certificate
 * for each process name (files mode 600). Returns each process's file paths.
 */
export async function provisionInternalTls(
  dataDir: string,
  processNames: readonly string[],
  say: (line: string) => void,
): Promise<Map<string, InternalTlsFiles>> {
  const dir = join(dataDir, 'internal-tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caCertFile = join(dir, 'ca.pem');
  const caKeyFile = join(dir, 'ca-key.pem');
  const saved = await Promise.all([readFile(caCertFile, 'utf8'), readFile(caKeyFile, 'utf8')]).catch(() => undefined);
  let ca: LocalCa;
  if (saved) {
    const [certPem, caKeyPem] = saved;
    const signingKey = createPrivateKey(caKeyPem).toCryptoKey(EC, false, ['sign']) as CryptoKey;
    ca = caFrom(certPem, caKeyPem, signingKey);
  } else {
    ca = await createLocalCa();
    await writeFile(caKeyFile, ca.keyPem, { mode: 0o600 });
    await writeFile(caCertFile, ca.certPem, { mode: 0o600 });
    say(`MERCATO_INTERNAL_TLS: created a local CA in ${dir} — keep ca-key.pem private`);
  }
  const files = new Map<string, InternalTlsFiles>();
  for (const name of processNames) {
    const issued = await ca.issue(`mercato-${name}`);
    const cert = join(dir, `${name}.pem`);
    const key = join(dir, `${name}-key.pem`);
    await writeFile(key, issued.keyPem, { mode: 0o600 });
    await writeFile(cert, issued.certPem, { mode: 0o600 });
    files.set(name, { ca: caCertFile, cert, key });
  }
  return files;
}
