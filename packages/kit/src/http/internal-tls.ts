import { readFileSync } from 'node:fs';

/**
 * MERCATO_INTERNAL_TLS=on (docs/security.md): every service port speaks HTTPS and asks each caller
 * for a certificate from the platform's CA (mutual TLS), and every internal client shows its own
 * certificate and accepts only a server certificate from that CA. `mercato up` makes the CA and one
 * certificate per process. The gateway's public listener is not one of those ports (browsers carry
 * no client certificate); it keeps MERCATO_TLS_CERT/KEY.
 *
 * This file imports nothing but node:fs, so the supervisor can use it (ADR 0021).
 */
export interface InternalTls {
  /** PEM of the CA that signs every process's certificate: the only one trusted, both ways. */
  ca: Buffer;
  /** This process's certificate and key (PEM), shown as server and as client. */
  cert: Buffer;
  key: Buffer;
}

export interface InternalTlsVariables {
  MERCATO_INTERNAL_TLS?: string | undefined;
  MERCATO_INTERNAL_CA_FILE?: string | undefined;
  MERCATO_INTERNAL_CERT_FILE?: string | undefined;
  MERCATO_INTERNAL_KEY_FILE?: string | undefined;
}

/** A problem with the variables; the caller turns it into its one-line configuration error. */
export class InternalTlsError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`);
    this.name = 'InternalTlsError';
    this.variable = variable;
  }
}

/** The PEM files the variables name, read once; undefined unless MERCATO_INTERNAL_TLS is `on`. */
export function readInternalTls(variables: InternalTlsVariables): InternalTls | undefined {
  const mode = variables.MERCATO_INTERNAL_TLS ?? 'off';
  if (mode === 'off' || mode === '') return undefined;
  if (mode !== 'on') throw new InternalTlsError('MERCATO_INTERNAL_TLS', `must be one of on, off (got ${JSON.stringify(mode)})`);
  const read = (variable: keyof InternalTlsVariables): Buffer => {
    const file = variables[variable];
    if (!file) throw new InternalTlsError(variable, 'is required when MERCATO_INTERNAL_TLS=on (mercato up sets it)');
    try {
      return readFileSync(file);
    } catch (error) {
      throw new InternalTlsError(variable, `cannot be read (${(error as Error).message})`);
    }
  };
  return { ca: read('MERCATO_INTERNAL_CA_FILE'), cert: read('MERCATO_INTERNAL_CERT_FILE'), key: read('MERCATO_INTERNAL_KEY_FILE') };
}

/** `https` options of a service port: a caller without a certificate from the CA gets no HTTP at all. */
export function internalServerTls(tls: InternalTls): {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
  requestCert: true;
  rejectUnauthorized: true;
} {
  return { key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true };
}

/**
 * TLS options of an internal client (undici's `connect`, node:https): shows this process's certificate
 * and trusts the CA alone — not the public roots, so no other certificate can pass for a service.
 */
export function internalClientTls(tls: InternalTls): { ca: Buffer; cert: Buffer; key: Buffer; rejectUnauthorized: true } {
  return { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: true };
}
