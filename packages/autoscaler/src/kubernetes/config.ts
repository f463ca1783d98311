/**
 * The controller's configuration, from the environment, checked before anything starts. Every
 * message names the variable and says what it must be.
 *
 *   AUTOSCALER_NAMESPACE        the namespace of the HPAs (the pod's own, from the downward API)
 *   PROMETHEUS_URL              Prometheus's base URL (http://prometheus-operated.monitoring.svc:9090)
 *   AUTOSCALER_CAPACITY_RPS     JSON: service → requests per second one pod answers within the SLO
 *   AUTOSCALER_FLOORS           JSON: service → the lowest minReplicas the controller sets (every service above)
 *   AUTOSCALER_STEP_MS          time between steps, default 15000 (Prometheus's scrape interval)
 *   AUTOSCALER_LEAD_MS          how far ahead a decision looks: a pod's start plus a margin, default 60000
 *   AUTOSCALER_SERVICE_CLIENTS  JSON: client id → SHA-256 hex of its secret (identity's IDENTITY_SERVICE_CLIENTS);
 *                               the gateway-ops entry checks the gateway's credential for /events and /scaling
 *   PORT, MERCATO_HOST          where the control API listens (default 8080 on 0.0.0.0)
 */
import { GATEWAY_OPS_CLIENT } from '@mercato/contracts';
import type { ControlledService } from './controller.ts';

export interface ControllerConfig {
  namespace: string;
  prometheusUrl: string;
  services: ControlledService[];
  stepMs: number;
  leadMs: number;
  /** SHA-256 (hex) of the gateway-ops client's secret: the controller never holds the secret itself. */
  opsClientSecretSha256: string;
  port: number;
  host: string;
}

export class ControllerConfigError extends Error {
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`);
    this.name = 'ControllerConfigError';
  }
}

/** A Kubernetes object name (RFC 1123 label): what a namespace and an HPA are called. */
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function loadControllerConfig(env: Record<string, string | undefined>): ControllerConfig {
  const required = (variable: string, hint: string) => {
    const value = env[variable]?.trim();
    if (!value) throw new ControllerConfigError(variable, `is not set: ${hint}`);
    return value;
  };
  const integer = (variable: string, fallback: number, min: number, max: number) => {
    const text = env[variable]?.trim();
    if (!text) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ControllerConfigError(variable, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`);
    }
    return value;
  };

  const namespace = required(
    'AUTOSCALER_NAMESPACE',
    "the namespace of the HPAs (the Deployment sets it from the pod's metadata.namespace)",
  );
  if (!NAME.test(namespace))
    throw new ControllerConfigError('AUTOSCALER_NAMESPACE', `is not a namespace name: ${JSON.stringify(namespace)}`);

  const prometheusUrl = required(
    'PROMETHEUS_URL',
    'the Prometheus that scrapes the services, e.g. http://prometheus-operated.monitoring.svc:9090',
  );
  let parsed: URL;
  try {
    parsed = new URL(prometheusUrl);
  } catch {
    throw new ControllerConfigError('PROMETHEUS_URL', `is not a URL: ${JSON.stringify(prometheusUrl)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ControllerConfigError('PROMETHEUS_URL', `must be http:// or https:// (got ${parsed.protocol})`);
  }

  const capacities = numberMap(env, 'AUTOSCALER_CAPACITY_RPS', '{"catalog":500,"cart":1000}', (n) => n > 0 && n <= 1_000_000);
  const floors = numberMap(env, 'AUTOSCALER_FLOORS', '{"catalog":2,"cart":2}', (n) => Number.isInteger(n) && n >= 1 && n <= 1_000);
  const services: ControlledService[] = [];
  for (const [name, capacityRps] of capacities) {
    if (!NAME.test(name))
      throw new ControllerConfigError('AUTOSCALER_CAPACITY_RPS', `names ${JSON.stringify(name)}, which is not a service name`);
    const floor = floors.get(name);
    if (floor === undefined)
      throw new ControllerConfigError('AUTOSCALER_FLOORS', `has no floor for ${name} (every service of AUTOSCALER_CAPACITY_RPS needs one)`);
    services.push({ name, hpa: name, capacityRps, floor });
  }
  for (const name of floors.keys()) {
    if (!capacities.has(name))
      throw new ControllerConfigError('AUTOSCALER_CAPACITY_RPS', `has no capacity for ${name}, which AUTOSCALER_FLOORS names`);
  }

  const opsClientSecretSha256 = opsClientHash(
    required(
      'AUTOSCALER_SERVICE_CLIENTS',
      "the clients' secret hashes (identity's IDENTITY_SERVICE_CLIENTS, Secret mercato-identity): the gateway-ops entry checks the gateway's credential for /events and /scaling",
    ),
  );

  return {
    namespace,
    prometheusUrl,
    services,
    // At least Prometheus's scrape interval: a shorter step reads the same samples again.
    stepMs: integer('AUTOSCALER_STEP_MS', 15_000, 5_000, 300_000),
    leadMs: integer('AUTOSCALER_LEAD_MS', 60_000, 0, 3_600_000),
    opsClientSecretSha256,
    port: integer('PORT', 8080, 0, 65_535),
    host: env.MERCATO_HOST?.trim() || '0.0.0.0',
  };
}

/** The gateway-ops client's SHA-256 (hex) from the clients' hash table (client id → hex). */
function opsClientHash(json: string): string {
  const variable = 'AUTOSCALER_SERVICE_CLIENTS';
  let table: unknown;
  try {
    table = JSON.parse(json);
  } catch {
    throw new ControllerConfigError(variable, 'must be a JSON object of client id → SHA-256 hex');
  }
  const hash = typeof table === 'object' && table !== null ? (table as Record<string, unknown>)[GATEWAY_OPS_CLIENT] : undefined;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/i.test(hash))
    throw new ControllerConfigError(variable, `has no SHA-256 hex for ${GATEWAY_OPS_CLIENT}`);
  return hash.toLowerCase();
}

function numberMap(
  env: Record<string, string | undefined>,
  variable: string,
  example: string,
  valid: (n: number) => boolean,
): Map<string, number> {
  const text = env[variable]?.trim();
  if (!text) throw new ControllerConfigError(variable, `is not set: a JSON object of service to number, e.g. ${example}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ControllerConfigError(variable, `is not JSON: a JSON object of service to number, e.g. ${example}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new ControllerConfigError(variable, `must be a non-empty JSON object of service to number, e.g. ${example}`);
  }
  const map = new Map<string, number>();
  for (const [name, number] of Object.entries(value)) {
    if (typeof number !== 'number' || !valid(number))
      throw new ControllerConfigError(variable, `has ${JSON.stringify(number)} for ${name}, which is out of range`);
    map.set(name, number);
  }
  return map;
}
