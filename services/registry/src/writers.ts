import { REGISTRY_OPERATORS } from '@mercato/contracts';
import { CommonProblems, HttpProblem, readBasicAuthorization, type ServiceClients } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';

/** A caller allowed to write: its client id, or `open` on a registry started with MERCATO_AUTH=off. */
export type Writer = { clientId: string } | 'open';

/**
 * Who may change the registry: a service proves its client id and secret (HTTP Basic, checked against
 * REGISTRY_SERVICE_CLIENTS, the same SHA-256 table identity holds). It registers only under its own
 * name, and heartbeats or deregisters only its own instances; the supervisor may also deregister any.
 */
export class RegistryWriters {
  readonly #clients: ServiceClients | undefined;

  /** `clients` undefined: the registry is open (MERCATO_AUTH=off, for tests of the kit itself). */
  constructor(clients: ServiceClients | undefined) {
    this.#clients = clients;
  }

  authenticate(request: FastifyRequest): Writer {
    if (!this.#clients) return 'open';
    const credentials = readBasicAuthorization(request.headers.authorization);
    if (!credentials || !this.#clients.check(credentials.clientId, credentials.clientSecret)) {
      throw new HttpProblem(
        CommonProblems.unauthorized,
        'The registry takes writes only with a service client id and secret (HTTP Basic).',
        {
          headers: { 'www-authenticate': 'Basic realm="mercato-registry"' },
        },
      );
    }
    return { clientId: credentials.clientId };
  }

  mayRegister(writer: Writer, service: string): void {
    if (writer !== 'open' && writer.clientId !== service) {
      throw new HttpProblem(
        CommonProblems.forbidden,
        `Client ${writer.clientId} may register only as ${writer.clientId}, not as ${service}.`,
      );
    }
  }

  /** `owner` is the instance's registering client; `deregister` lets the supervisor remove any instance. */
  mayChange(writer: Writer, owner: string | undefined, action: 'heartbeat' | 'deregister'): void {
    if (writer === 'open' || owner === undefined || writer.clientId === owner) return;
    if (action === 'deregister' && REGISTRY_OPERATORS.includes(writer.clientId)) return;
    throw new HttpProblem(CommonProblems.forbidden, `That instance is ${owner}'s; ${writer.clientId} may not ${action} it.`);
  }
}
