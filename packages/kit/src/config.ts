import { type Static, type TObject, type TProperties, Type } from 'typebox';
import { Value } from 'typebox/value';

/** A configuration problem a user can fix: names the variable and what it must be. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** Env vars every service understands. */
export const BaseConfig = Type.Object({
  MERCATO_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  MERCATO_ADVERTISE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  MERCATO_REGISTRY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  DISCOVERY: Type.Union([Type.Literal('registry'), Type.Literal('dns')], { default: 'registry' }),
  MERCATO_DNS_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 80 }),
  MERCATO_INSTANCE_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** A request (headers and body) must arrive within this bound, else 408 problem+json. */
  MERCATO_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 30_000 }),
  MERCATO_SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 10_000 }),
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://' })),
  /** Separates the NATS stream of one installation (or one test) from another's on a shared server. */
  MERCATO_BUS_NAMESPACE: Type.String({ pattern: '^[a-z][a-z0-9_]{0,40}$', default: 'mercato' }),
  BUS_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** `required`: every call but /health/* needs a valid user or service token. `off` only for tests of the kit itself. */
  MERCATO_AUTH: Type.Union([Type.Literal('required'), Type.Literal('off')], { default: 'required' }),
  MERCATO_ISSUER: Type.String({ minLength: 1, maxLength: 200, default: 'mercato' }),
  /** OAuth2 client credentials of this service at identity (provisioned by `mercato up`). */
  MERCATO_CLIENT_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  MERCATO_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })),
  MERCATO_HEARTBEAT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 2_000 }),
  /** `off`: no spans at all (a trace id still travels with events); the benchmarks' baseline. See ADR 0023. */
  MERCATO_TRACING: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  /** Share of new traces recorded (0–1); failed spans are kept whatever it says. See ADR 0023. */
  MERCATO_TRACE_SAMPLE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
  /** Spans each process keeps in memory for `/api/ops/traces`, and for how long; 0 keeps none. */
  MERCATO_TRACE_MAX_SPANS: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 5_000 }),
  MERCATO_TRACE_MAX_AGE_S: Type.Integer({ minimum: 1, maximum: 86_400, default: 900 }),
  /** Where kept spans also go, over OTLP/HTTP (JSON): a collector's base URL (`/v1/traces` is added). */
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** `on`: mutual TLS on every internal call, with the PEM files below (`mercato up` makes them; http/internal-tls.ts). */
  MERCATO_INTERNAL_TLS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'off' }),
  MERCATO_INTERNAL_CA_FILE: Type.Optional(Type.String({ minLength: 1 })),
  MERCATO_INTERNAL_CERT_FILE: Type.Optional(Type.String({ minLength: 1 })),
  MERCATO_INTERNAL_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
});
export type BaseConfig = Static<typeof BaseConfig>;

/**
 * Reads the variables a schema names from the environment: defaults applied, strings converted
 * to numbers and booleans, then validated. The first problem is thrown as a ConfigError that
 * names the variable, so the process can print one line and exit.
 */
export function loadConfig<P extends TProperties>(schema: TObject<P>, env: NodeJS.ProcessEnv = process.env): Static<TObject<P>> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') picked[key] = raw;
  }
  const value = Value.Convert(schema, Value.Default(schema, picked));
  if (Value.Check(schema, value)) return value as Static<TObject<P>>;
  const [first] = Value.Errors(schema, value);
  if (!first) throw new ConfigError('environment', 'is invalid');
  if (first.keyword === 'required') {
    const missing = (first.params as { requiredProperties?: string[] }).requiredProperties?.[0] ?? 'a variable';
    throw new ConfigError(missing, 'is required but not set');
  }
  const variable = first.instancePath.replace(/^\//, '') || 'environment';
  const got = JSON.stringify(env[variable] ?? null);
  throw new ConfigError(variable, `${describe(schema.properties[variable])} (got ${got})`);
}

function describe(property: unknown): string {
  const p = property as { type?: string; minimum?: number; maximum?: number; pattern?: string; anyOf?: { const?: unknown }[] };
  if (p?.anyOf) return `must be one of ${p.anyOf.map((a) => String(a.const)).join(', ')}`;
  if (p?.type === 'integer' || p?.type === 'number') {
    const range = p.minimum !== undefined && p.maximum !== undefined ? ` from ${p.minimum} to ${p.maximum}` : '';
    return `must be ${p.type === 'integer' ? 'a whole number' : 'a number'}${range}`;
  }
  if (p?.pattern === '^https?://') return 'must be an http(s) URL';
  if (p?.pattern === '^(nats|tls)://') return 'must be a nats:// URL';
  if (p?.pattern?.startsWith('^postgres')) return 'must be a postgres:// URL';
  return 'is invalid';
}
