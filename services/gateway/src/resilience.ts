import { type CircuitBreakerOptions, CircuitBreakers, type Discovery, InstancePicker, type Logger } from '@mercato/kit';

export interface GatewayResilienceOptions {
  /** Thresholds of the circuit breaker per upstream service (kit defaults: 5 consecutive failures, probe after 5 s). */
  breaker?: CircuitBreakerOptions;
  /**
   * Instances tried per request when connections fail (default 2: the first and one other). An
   * idempotent request whose instance refused or dropped the connection before answering goes to
   * one more instance; a second failure is a 503, the client may retry.
   */
  attempts?: number;
  /** How long an instance that refused a connection is passed over while another one is known (kit default 5 s). */
  ejectForMs?: number;
}

/** What the gateway keeps across requests to stay up when upstream instances fail: breakers per service, ejected instances. */
export class GatewayResilience {
  readonly breakers: CircuitBreakers;
  readonly picker: InstancePicker;
  readonly attempts: number;
  /** When the gateway last had an instance of each service to send to (epoch ms). */
  readonly lastSeen = new Map<string, number>();

  constructor(discovery: Discovery, options: GatewayResilienceOptions = {}, log?: Pick<Logger, 'warn' | 'info'>) {
    this.breakers = new CircuitBreakers(options.breaker, log);
    this.picker = new InstancePicker(discovery, { ejectForMs: options.ejectForMs });
    this.attempts = Math.max(1, options.attempts ?? 2);
  }
}

/**
 * One GatewayResilience per gateway, found from its discovery: `forward()` keeps its signature and
 * every request of one gateway shares the same breakers, while two gateways in one process (tests) do not.
 */
const byDiscovery = new WeakMap<Discovery, GatewayResilience>();

/** The gateway's resilience state, created with defaults on first use. */
export function resilienceFor(discovery: Discovery, log?: Pick<Logger, 'warn' | 'info'>): GatewayResilience {
  let resilience = byDiscovery.get(discovery);
  if (!resilience) {
    resilience = new GatewayResilience(discovery, {}, log);
    byDiscovery.set(discovery, resilience);
  }
  return resilience;
}

/** Replaces a gateway's resilience state with one built from `options` (env-driven thresholds, tests). */
export function configureResilience(
  discovery: Discovery,
  options: GatewayResilienceOptions,
  log?: Pick<Logger, 'warn' | 'info'>,
): GatewayResilience {
  const resilience = new GatewayResilience(discovery, options, log);
  byDiscovery.set(discovery, resilience);
  return resilience;
}
