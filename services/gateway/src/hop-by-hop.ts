import type { IncomingHttpHeaders } from 'node:http';

/**
 * Connection-level headers (RFC 9110 §7.6.1) are the client's hop to the gateway, not the gateway's
 * hop to a service: forwarding them made undici refuse the call (`Upgrade`, `Keep-Alive`, `Expect`),
 * which counted as the service failing. `Expect` is answered here (Node sends 100 Continue itself).
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);

/** The headers that may cross the gateway either way: hop-by-hop ones and those `Connection` names removed. */
export function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && !named.has(name)) kept[name] = value;
  }
  return kept;
}
