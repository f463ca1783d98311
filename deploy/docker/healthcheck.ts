/**
 * The image's HEALTHCHECK, and compose's: healthy while this container's process answers 200 on its
 * own `/health/live` (no token needed there). Node rather than curl, which the slim image lacks. The
 * port is the one the process listens on: `GATEWAY_PORT` for the gateway, `PORT` for the others;
 * a gateway given MERCATO_TLS_CERT serves HTTPS, and its certificate is not checked on loopback.
 */
import { get as getHttp } from 'node:http';
import { get as getHttps } from 'node:https';

const PROBE_TIMEOUT_MS = 2_000;

const port = Number(process.env.GATEWAY_PORT || process.env.PORT || 8080);
const get = process.env.MERCATO_TLS_CERT ? getHttps : getHttp;
const request = get({ host: '127.0.0.1', port, path: '/health/live', timeout: PROBE_TIMEOUT_MS, rejectUnauthorized: false }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', () => process.exit(1));
