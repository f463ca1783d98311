import type { Instance } from '@mercato/contracts';
import { type Discovery, RoundRobin } from './discovery.ts';

/**
 * `DISCOVERY=dns`: every service is reached by its name, as a Kubernetes Service
 * (`http://catalog:80`); the cluster balances between pods.
 */
export class DnsDiscovery implements Discovery {
  readonly #port: number;
  readonly #known: readonly string[];
  readonly #roundRobin = new RoundRobin();
  readonly #startedAt = new Date().toISOString();

  constructor(options: { port: number; services: readonly string[] }) {
    this.#port = options.port;
    this.#known = options.services;
  }

  instances(service: string): Instance[] {
    const now = new Date().toISOString();
    const url = `http://${service}${this.#port === 80 ? '' : `:${this.#port}`}`;
    return [{ id: `${service}.dns`, service, url, meta: {}, status: 'up', startedAt: this.#startedAt, lastHeartbeatAt: now }];
  }

  pick(service: string): Instance | undefined {
    return this.#roundRobin.pick(service, this.instances(service));
  }

  snapshot(): Map<string, Instance[]> {
    return new Map(this.#known.map((s) => [s, this.instances(s)]));
  }

  close(): void {}
}
