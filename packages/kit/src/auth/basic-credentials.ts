/** A client's id and secret, as it proves itself to the registry (HTTP Basic, RFC 7617). */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export function basicAuthorization(credentials: ClientCredentials): string {
  return `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
}

/** The credentials in an `Authorization: Basic` header; undefined when absent or malformed. */
export function readBasicAuthorization(header: string | undefined): ClientCredentials | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}
