// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers and schemas
/**
 * Property-based fuzzing of the whole platform through the real gateway: `mercato up` starts every
 * service as its own process, and the properties below throw generated input at every public
 * operation the merged OpenAPI document (`GET /docs/json`) names, as an anonymous caller, a customer,
 * an admin and a forged token. What must hold whatever the input (API.md "Conventions"):
 *
 * - no 5xx, ever, and never a dropped or hung connection;
 * - every 4xx is `application/problem+json` with `type`, `title`, `status` (= the HTTP status) and `detail`,
 *   but for one answer API.md "The web app" makes HTML: the app's page as a 404 for a GET or HEAD of a
 *   path outside the platform's namespaces (the app shows "not found" itself);
 * - a rejected request changes nothing;
 * - afterwards no circuit is open: the main reads answer 200, not 503.
 *
 * `FUZZ_RUNS=<n>` runs every property n times instead of its default (the defaults keep the file
 * around two minutes on two cores); `FUZZ_SEED=<n>` replays the seed a failure printed. On a failure
 * fast-check prints the shrunk counterexample: that request is the bug report.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dropServiceDatabases, freePort, launchPlatform, type PlatformProcess } from '@mercato/cli';
import { SERVICE_NAMES } from '@mercato/kit';
import fc from 'fast-check';
import { Agent, type Dispatcher } from 'undici';

const external = process.env.DATABASE_URL;
const prefix = `t_fuzz_${process.pid}`;
const ADMIN = { email: 'admin@fuzz.test', password: 'admin password 123' };
const ADDRESS = { line1: '1 Market St', city: 'Springfield', postalCode: '12345', country: 'US' };
const CURRENCY = 'USD';

const FUZZ_RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : undefined;
const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runs = (numRuns: number) => FUZZ_RUNS ?? numRuns;
const settings = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: runs(numRuns),
  ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }),
});
/** node:test's per-test bound (the runner's default is 180 s): scaled with the runs asked for. */
const timeoutFor = (numRuns: number, msPerRun: number) => Math.max(170_000, runs(numRuns) * msPerRun + 60_000);

let dataDir: string;
let platform: PlatformProcess;
let base: string;
let origin: { host: string; port: number };

// ---------------------------------------------------------------------------------------------
// HTTP: undici for ordinary requests (raw path bytes allowed), node:http for hop-by-hop headers,
// a raw socket for framing.

/** One request as the fuzzer sends it; `path` is the raw request target (path and query). */
interface Exchange {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000, headersTimeout: 30_000, bodyTimeout: 30_000 });

const preview = (bytes: Buffer | string | undefined, max = 300) => {
  if (bytes === undefined) return '(none)';
  const text = Buffer.isBuffer(bytes) ? bytes.toString('latin1') : bytes;
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} bytes)` : text);
};
const describeExchange = (x: Exchange) =>
  `${x.method} ${preview(x.path, 200)} headers=${preview(JSON.stringify(x.headers ?? {}), 400)} body=${preview(x.body)}`;

/**
 * Whether API.md lets a path's 404 be the web app's page: a path outside `/api/`, `/health/`, `/docs`,
 * `/media/`, `/metrics` and `/.well-known/`, and outside what must stay a problem+json 404 (the
 * services' `/internal/…`, `/openapi.json` and `/oauth/…`, a missing file under `/assets/`).
 */
function isWebAppNotFound(target: string): boolean {
  let path: string;
  try {
    path = decodeURIComponent(target.split('?')[0] ?? '');
  } catch {
    return false;
  }
  if (!path.startsWith('/') || path.startsWith('/docs') || path.startsWith('/metrics')) return false;
  const first = path.slice(1).split('/')[0] ?? '';
  return !['api', 'health', 'media', '.well-known', 'internal', 'oauth', 'openapi.json', 'assets'].includes(first);
}

/**
 * API.md's error invariants for one answer. `target` is the request's path and query when the answer is
 * known to be that request's (not a pipelined leftover): only then may a 404 be the web app's page.
 */
function assertAnswer(what: string, status: number, contentType: string, text: string, target?: { method: string; path: string }): void {
  assert.ok(status < 500, `${what}\n  → ${status} ${preview(text)}`);
  if (status < 400) return;
  if (status === 404 && /^text\/html/.test(contentType)) {
    assert.ok(
      target && ['GET', 'HEAD'].includes(target.method) && isWebAppNotFound(target.path),
      `${what}\n  → an HTML 404 where API.md wants problem+json: ${preview(text)}`,
    );
    if (target.method === 'GET') assert.match(text, /^<!doctype html>/i, `${what}\n  → a 404 page that is not the app's: ${preview(text)}`);
    return;
  }
  assert.match(contentType, /^application\/problem\+json/, `${what}\n  → ${status} with content-type ${contentType}: ${preview(text)}`);
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`${what}\n  → ${status} problem+json that is not JSON: ${preview(text)}`);
  }
  for (const field of ['type', 'title', 'detail'])
    assert.equal(typeof body?.[field], 'string', `${what}\n  → ${status} problem without a ${field}: ${preview(text)}`);
  assert.equal(body.status, status, `${what}\n  → ${status} but the problem says status ${body.status}`);
}

/** How often each status came back in a property's runs (printed as a diagnostic: what the fuzzing reached). */
class Tally {
  readonly counts = new Map<string, number>();
  add(key: string | number): void {
    const name = String(key);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  toString(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, n]) => `${key}×${n}`)
      .join(' ');
  }
}

/** Sends through undici; a thrown error is a dropped connection, which is a failure. */
async function send(x: Exchange): Promise<Answer> {
  let response: Dispatcher.ResponseData;
  try {
    response = await agent.request({
      origin: base,
      path: x.path,
      method: x.method as Dispatcher.HttpMethod,
      headers: x.headers,
      body: x.body,
    });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    assert.fail(`${describeExchange(x)}\n  → no answer (${code ?? ''} ${message})`);
  }
  const text = await response.body.text();
  const contentType = String(response.headers['content-type'] ?? '');
  assertAnswer(describeExchange(x), response.statusCode, contentType, text, x);
  return { status: response.statusCode, contentType, text };
}

/** JSON helpers for setup and snapshots (no fuzzing). */
async function call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const answer = await send({
    method,
    path,
    headers,
    body: options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)),
  });
  return { status: answer.status, body: answer.text ? JSON.parse(answer.text) : undefined };
}

async function register(label: string): Promise<{ token: string; refreshToken: string; id: string; email: string }> {
  const email = `${label}-${randomUUID()}@example.test`;
  const answer = await call('POST', '/api/auth/register', { body: { email, password: 'correct horse battery', name: label } });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return { token: answer.body.accessToken, refreshToken: answer.body.refreshToken, id: answer.body.user.id, email };
}

async function createProduct(admin: string, sku: string, category: string, onHand: number): Promise<any> {
  const created = await call('POST', '/api/products', {
    token: admin,
    body: {
      slug: sku.toLowerCase(),
      name: `Product ${sku}`,
      description: 'for fuzz tests',
      category,
      price: { amount: 1500, currency: CURRENCY },
      sku,
      images: [],
      attributes: { colour: 'red' },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const stock = await call('PUT', `/api/inventory/${sku}`, { token: admin, body: { onHand } });
  assert.equal(stock.status, 200, JSON.stringify(stock.body));
  return created.body;
}

/** Places an order from the shopper's cart and waits until it is confirmed. */
async function placeConfirmedOrder(token: string): Promise<string> {
  const placed = await call('POST', '/api/orders', {
    token,
    body: { shippingAddress: ADDRESS, paymentToken: 'tok_visa' },
    headers: { 'idempotency-key': randomUUID() },
  });
  assert.equal(placed.status, 202, JSON.stringify(placed.body));
  const until = Date.now() + 30_000;
  for (;;) {
    const order = await call('GET', `/api/orders/${placed.body.id}`, { token });
    if (order.body.status === 'confirmed') return placed.body.id;
    assert.ok(order.body.status === 'pending' && Date.now() < until, `order ended ${JSON.stringify(order.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// Raw bytes: percent-encoding the fuzzer controls.

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** Every UTF-8 byte percent-encoded but the unreserved ones (a lone surrogate becomes U+FFFD). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
/**
 * As much of the text as the request line can carry verbatim: undici sends a target made of
 * U+0021–U+00FF byte for byte (so `\`, `..`, a lone `%` or a Latin-1 byte, which is not UTF-8,
 * arrive as written); anything else and the characters in `structural` are percent-encoded.
 */
function rawEncode(text: string, structural: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    out += code >= 0x21 && code <= 0xff && !structural.includes(char) ? char : percentEncode(char);
  }
  return out;
}

type Encoding = 'encoded' | 'raw' | 'verbatim';
const encodingArb = fc.constantFrom<Encoding>('encoded', 'raw', 'verbatim');
/** `verbatim` trusts the value to be a ready-made fragment (such as `%2e%2e`), encoding only what undici refuses. */
function encodePart(text: string, encoding: Encoding, structural: string): string {
  if (encoding === 'encoded') return percentEncode(text);
  if (encoding === 'raw') return rawEncode(text, structural);
  return rawEncode(text, '');
}

// ---------------------------------------------------------------------------------------------
// Values: hostile strings, numbers as text, JSON with raw tokens.

const hasControl = (text: string) => [...text].some((c) => c < ' ' || c === '\u007f');
const CONTROL_CHARS = [...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)), '\u007f'];
/** Control characters no field accepts (a description may hold \n and \t). */
const STRICT_CONTROL_CHARS = CONTROL_CHARS.filter((c) => c !== '\n' && c !== '\t');

const controlString = (chars: string[] = CONTROL_CHARS) =>
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...chars), fc.string({ maxLength: 10 })).map(([a, c, b]) => `${a}${c}${b}`);

const TRICKY_SEGMENTS = [
  '',
  '.',
  '..',
  '...',
  '%2e',
  '%2e%2e',
  '%2E%2e',
  '.%2e',
  '%2e.',
  '%252e%252e',
  '..\\..',
  '\\',
  'a\\b',
  '%5c',
  '%5C..%5C',
  '%2f',
  '%2F..%2F',
  '%00',
  'a%00b',
  '%ff',
  '%fe%ff',
  '%c0%ae',
  '%c0%af',
  '%e0%80%ae',
  '%ed%a0%80',
  '%',
  '%%',
  '%z',
  '%zz',
  '%u002e',
  '%2',
  ';',
  'a;b=c',
  '*',
  '~',
  '%20',
  '+',
  '%0d%0aSet-Cookie:%20x=y',
  '\u00ff',
  '\u00e9',
  'é',
  '😀',
  '\u202e',
  '\ufeff',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '0',
  '-1',
  '1e400',
  '0x10',
  'NaN',
  '00000000-0000-0000-0000-000000000000',
  "' or 1=1 --",
  '<script>',
  'internal',
  'openapi.json',
] as const;

/** Strings a path or query value may be: unicode, traversal, encodings that do not decode, very long. */
const hostileText = (real: readonly string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...TRICKY_SEGMENTS), weight: 4 },
    { arbitrary: fc.constantFrom(...real), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
    { arbitrary: controlString(), weight: 1 },
    { arbitrary: fc.uuid(), weight: 1 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom('a', '%2e', 'é', '..', '9', '%'), fc.integer({ min: 50, max: 12_000 }))
        .map(([s, n]) => s.repeat(Math.ceil(n / s.length))),
      weight: 1,
    },
    {
      arbitrary: fc.array(fc.constantFrom(...TRICKY_SEGMENTS, 'x', 'api', 'internal'), { maxLength: 5 }).map((p) => p.join('')),
      weight: 2,
    },
  );

/** Query values that are numbers in the wrong shape, or not numbers at all. */
const NUMBERISH = [
  '1e400',
  '-1e400',
  '1e3',
  '0x10',
  '0b1',
  '0o7',
  '-1',
  '-0',
  '+1',
  ' 1',
  '1 ',
  '1.5',
  '1.',
  '.5',
  '01',
  '1_000',
  '1,000',
  '١',
  '９',
  'Infinity',
  '-Infinity',
  'NaN',
  'true',
  'null',
  '[]',
  '{}',
  '[1]',
  '',
  '9'.repeat(30),
  '9'.repeat(400),
  '999999999999',
  '1000000000000',
  String(Number.MAX_SAFE_INTEGER + 2),
  '4294967296',
  '2147483648',
  '0',
  '100',
  '101',
] as const;

const queryValue = (real: readonly string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...NUMBERISH), weight: 4 },
    { arbitrary: hostileText(real), weight: 4 },
    { arbitrary: fc.integer().map(String), weight: 1 },
    { arbitrary: fc.double().map(String), weight: 1 },
    { arbitrary: fc.bigInt().map(String), weight: 1 },
  );

/** A token written into the JSON text as is (`1e400`, `0x10`, a huge array nesting...). */
class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  // Counterexamples stay readable: a 150 000-deep nesting prints as its start and its length.
  [fc.toStringMethod](): string {
    return `RawJson(${preview(this.text, 60)})`;
  }
}
/** Bytes spliced into the JSON text (inside a string: invalid UTF-8). */
class RawBytes {
  readonly bytes: Buffer;
  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }
  [fc.toStringMethod](): string {
    return `RawBytes(${preview(this.bytes, 60)})`;
  }
}

const RAW_TOKENS = [
  '1e400',
  '-1e400',
  '1E999',
  '1e-400',
  '123456789012345678901234567890',
  '-0',
  '0x10',
  '01',
  '1.',
  '.5',
  '+1',
  '-',
  'NaN',
  'Infinity',
  'undefined',
  "'single'",
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\u0000"',
  '"\\u001b[31m"',
  '"\\u007f"',
  '"a\\nb"',
  '"\\u202e"',
  '"\\uFEFF"',
  '"\\x41"',
  '"unterminated',
  '[1,]',
  '{"a":1,}',
  '{"a" 1}',
  '{,}',
  '//',
  '/* c */ 1',
  'true false',
] as const;

const INVALID_UTF8 = [
  [0xff],
  [0xfe],
  [0x80],
  [0xc0, 0xaf],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8],
] as const;

const deepNesting = fc
  .record({
    // fast-check favours small integers; the deep end is what overflowed stacks.
    depth: fc.oneof(
      fc.integer({ min: 1, max: 100 }),
      fc.constantFrom(1_000, 10_000, 50_000, 150_000),
      fc.integer({ min: 1_000, max: 150_000 }),
    ),
    kind: fc.constantFrom('array', 'object', 'mixed'),
  })
  .map(({ depth, kind }) => {
    if (kind === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    if (kind === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return `${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}`;
  });

/** A value of the wrong type, or of the right type and wrong content, for any field. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>('3', '', ' ', true, false, null, [2], [], {}, 1.5, -1, 0, 2 ** 53 + 2, 1e308, -1e308), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: controlString(), weight: 2 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
  { arbitrary: fc.constantFrom(...RAW_TOKENS).map((t) => new RawJson(t)), weight: 2 },
  { arbitrary: deepNesting.map((t) => new RawJson(t)), weight: 1 },
  {
    arbitrary: fc
      .constantFrom(...INVALID_UTF8)
      .map((b) => new RawBytes(Buffer.concat([Buffer.from('"a'), Buffer.from(b), Buffer.from('b"')]))),
    weight: 1,
  },
);

/** JSON text of a value whose leaves may be raw tokens or raw bytes. */
function serialize(value: unknown): Buffer {
  const raws: (RawJson | RawBytes)[] = [];
  const text = JSON.stringify(value, (_key, item) => {
    if (item instanceof RawJson || item instanceof RawBytes) {
      raws.push(item);
      return `\uE000${raws.length - 1}\uE000`;
    }
    return item;
  });
  if (text === undefined) return Buffer.from('null');
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(/"\uE000(\d+)\uE000"/g)) {
    parts.push(Buffer.from(text.slice(last, match.index), 'utf8'));
    const raw = raws[Number(match[1])];
    parts.push(raw instanceof RawBytes ? raw.bytes : Buffer.from(raw?.text ?? '', 'utf8'));
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// Schemas (from the merged OpenAPI document): valid values, and values each schema refuses.

type Schema = Record<string, any>;

/** JSON types a schema admits (`integer` as its own type; `nullable` adds null). */
function typesOf(schema: Schema | undefined): Set<string> | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const alternatives = schema.anyOf ?? schema.oneOf;
  let types: Set<string> | undefined;
  if (Array.isArray(alternatives)) {
    types = new Set();
    for (const alternative of alternatives) {
      const inner = typesOf(alternative);
      if (!inner) return undefined;
      for (const t of inner) types.add(t);
    }
  } else if (schema.type) {
    types = new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
  } else if (Array.isArray(schema.enum)) {
    types = new Set(
      schema.enum.map((v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v)),
    );
  } else {
    return undefined;
  }
  if (schema.nullable) types.add('null');
  return types;
}

const TYPE_SAMPLES: [string, fc.Arbitrary<unknown>][] = [
  ['string', fc.oneof(fc.constantFrom('3', '', 'true', 'null', '[]'), fc.string({ maxLength: 20 }))],
  ['integer', fc.oneof(fc.constantFrom(0, 1, -1, 3), fc.integer())],
  [
    'number',
    fc.oneof(
      fc.constantFrom(1.5, -0.5, 1e-7),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    ),
  ],
  ['boolean', fc.boolean()],
  ['null', fc.constant(null)],
  ['array', fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })],
  ['object', fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })],
];

/** A value of a JSON type the schema does not admit, or undefined when it admits all. */
function wrongTypeArb(schema: Schema): fc.Arbitrary<unknown> | undefined {
  const types = typesOf(schema);
  if (!types) return undefined;
  const admits = (t: string) => types.has(t) || (t === 'integer' && types.has('number'));
  const options = TYPE_SAMPLES.filter(([t]) => !admits(t)).map(([, a]) => a);
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value of the schema's type that its constraints refuse (range, length, pattern, enum, format), if it has any. */
function outOfRangeArb(schema: Schema): fc.Arbitrary<unknown> | undefined {
  const options: fc.Arbitrary<unknown>[] = [];
  const types = typesOf(schema);
  if (typeof schema.minimum === 'number') options.push(fc.integer({ min: 1, max: 1_000_000 }).map((d) => schema.minimum - d));
  if (typeof schema.maximum === 'number') options.push(fc.integer({ min: 1, max: 1_000_000 }).map((d) => schema.maximum + d));
  if (types?.has('integer') && !types.has('number')) options.push(fc.constantFrom(0.5, 1.25, 7.000001));
  if (typeof schema.maxLength === 'number') options.push(fc.integer({ min: 1, max: 300 }).map((d) => 'a'.repeat(schema.maxLength + d)));
  if (typeof schema.minLength === 'number' && schema.minLength > 0) options.push(fc.constant('a'.repeat(schema.minLength - 1)));
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern, 'u');
    options.push(
      fc.oneof(fc.constantFrom(' ', '', 'a b', '-', '..', 'é', '%'), fc.string({ maxLength: 20 })).filter((s) => !pattern.test(s)),
    );
  }
  if (schema.format === 'uuid')
    options.push(fc.oneof(fc.constantFrom('', 'x', '1234', '{}'), fc.string({ maxLength: 40 })).filter((s) => !UUID.test(s)));
  if (schema.format === 'email') options.push(fc.string({ maxLength: 20 }).filter((s) => !s.includes('@')));
  if (Array.isArray(schema.enum)) {
    const values = schema.enum as unknown[];
    options.push(fc.string({ maxLength: 20 }).filter((s) => !values.includes(s)));
  }
  if (typeof schema.maxItems === 'number') options.push(fc.constant(Array.from({ length: schema.maxItems + 1 }, () => 'a')));
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

function stringArb(schema: Schema, real: readonly string[]): fc.Arbitrary<string> {
  let arbitrary: fc.Arbitrary<string>;
  if (schema.format === 'uuid') arbitrary = fc.uuid();
  else if (schema.format === 'email') arbitrary = fc.emailAddress().filter((e) => e.length <= 254);
  else if (typeof schema.pattern === 'string') {
    try {
      const pattern = new RegExp(schema.pattern);
      arbitrary = fc
        .stringMatching(pattern)
        .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 10_000) && !hasControl(s));
    } catch {
      arbitrary = fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) });
    }
  } else arbitrary = fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) });
  return fc.oneof({ arbitrary, weight: 3 }, { arbitrary: fc.constantFrom(...real), weight: 1 });
}

/** Values the schema admits (give or take a pattern fast-check approximates), with the real ids mixed in. */
function validArb(schema: Schema | undefined, real: readonly string[], depth = 0): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object' || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return fc.oneof(...alternatives.map((s: Schema) => validArb(s, real, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties: Record<string, Schema> = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(properties).map(([key, inner]) => [key, validArb(inner, real, depth + 1)]));
      const required = (schema.required ?? []).filter((key: string) => key in properties);
      const record = fc.record(model, { requiredKeys: required });
      if (!schema.additionalProperties || typeof schema.additionalProperties !== 'object') return record;
      const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), validArb(schema.additionalProperties, real, depth + 1), {
        maxKeys: 3,
      });
      return fc.tuple(record, extra).map(([known, more]) => ({ ...more, ...known }));
    }
    case 'array':
      return fc.array(validArb(schema.items, real, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
      });
    case 'string':
      return stringArb(schema, real);
    case 'integer': {
      const min = Math.max(schema.minimum ?? -1_000_000, -(2 ** 31));
      const max = Math.min(schema.maximum ?? 1_000_000, 2 ** 31 - 1);
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max, schema.minimum ?? min, schema.maximum ?? max));
    }
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Object nodes of a value, with the schema that describes each (when one does). */
function objectNodes(
  value: unknown,
  schema: Schema | undefined,
  out: { node: Record<string, unknown>; schema: Schema | undefined }[] = [],
) {
  if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawJson) && !(value instanceof RawBytes)) {
    const node = value as Record<string, unknown>;
    out.push({ node, schema });
    for (const [key, item] of Object.entries(node)) objectNodes(item, schema?.properties?.[key] ?? schema?.additionalProperties, out);
  } else if (Array.isArray(value)) {
    for (const item of value) objectNodes(item, schema?.items, out);
  }
  return out;
}

/** Fields a mutation may target: every schema property of every object node present in the value. */
function fieldSlots(value: unknown, schema: Schema | undefined) {
  const slots: { node: Record<string, unknown>; key: string; schema: Schema | undefined }[] = [];
  for (const { node, schema: nodeSchema } of objectNodes(value, schema)) {
    const keys = new Set([...Object.keys(node), ...Object.keys(nodeSchema?.properties ?? {})]);
    for (const key of keys) slots.push({ node, key, schema: nodeSchema?.properties?.[key] });
  }
  return slots;
}

/** Property 1's body mutations: anything goes, valid bodies included. */
type LooseMutation =
  | { kind: 'none' }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'extra'; at: number; name: string; value: unknown }
  | { kind: 'drop'; at: number }
  | { kind: 'root'; value: unknown };

const fieldName = fc.oneof(
  fc.constantFrom(
    'id',
    'roles',
    'role',
    'price',
    'total',
    'userId',
    'status',
    'reserved',
    'email',
    '__proto__',
    'constructor',
    'prototype',
    '',
    ' ',
    '$where',
  ),
  fc.string({ maxLength: 12 }),
  controlString(),
);

const looseMutation: fc.Arbitrary<LooseMutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: wrongValue }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('extra' as const), at: fc.nat(), name: fieldName, value: wrongValue }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('root' as const), value: wrongValue }), weight: 1 },
);

function applyLoose(valid: unknown, schema: Schema | undefined, mutation: LooseMutation): unknown {
  const value = structuredClone(valid);
  if (mutation.kind === 'none') return value;
  if (mutation.kind === 'root') return mutation.value;
  if (mutation.kind === 'extra') {
    const nodes = objectNodes(value, schema);
    const target = nodes[mutation.at % Math.max(nodes.length, 1)];
    if (!target) return { [mutation.name]: mutation.value };
    Object.defineProperty(target.node, mutation.name, { value: mutation.value, enumerable: true, writable: true, configurable: true });
    return value;
  }
  const slots = fieldSlots(value, schema);
  const slot = slots[mutation.at % Math.max(slots.length, 1)];
  if (!slot) return mutation.kind === 'replace' ? mutation.value : value;
  if (mutation.kind === 'drop') delete slot.node[slot.key];
  else slot.node[slot.key] = mutation.value;
  return value;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json; charset=latin1',
  'application/json;;',
  'application/problem+json',
  'application/jsonx',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  'json',
  '',
] as const;

/** Bodies of every kind for one operation. */
function looseBodyArb(
  schema: Schema | undefined,
  real: readonly string[],
): fc.Arbitrary<{ body: Buffer; contentType: string | undefined }> {
  const bytes = fc.oneof(
    { arbitrary: fc.tuple(validArb(schema, real), looseMutation).map(([valid, m]) => serialize(applyLoose(valid, schema, m))), weight: 6 },
    { arbitrary: fc.json({ maxDepth: 4 }).map((t) => Buffer.from(t)), weight: 2 },
    {
      arbitrary: fc.anything({ maxDepth: 4 }).map((v) => {
        try {
          return Buffer.from(JSON.stringify(v) ?? 'null');
        } catch {
          return Buffer.from('{}');
        }
      }),
      weight: 2,
    },
    { arbitrary: deepNesting.map((t) => Buffer.from(t)), weight: 1 },
    { arbitrary: fc.constantFrom(...RAW_TOKENS).map((t) => Buffer.from(t)), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), weight: 1 },
    { arbitrary: fc.constantFrom('', ' ', '\ufeff{}', '{}', '[]', 'null', '""', '0').map((t) => Buffer.from(t)), weight: 1 },
  );
  return fc.record({
    body: bytes,
    contentType: fc.oneof({ arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 5 }, { arbitrary: fc.constant(undefined), weight: 1 }),
  });
}

// ---------------------------------------------------------------------------------------------
// Operations: the merged OpenAPI document, plus the gateway's own routes when it does not list them.

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: Schema | undefined;
  required: boolean;
}
interface Operation {
  method: string;
  template: string;
  parameters: Parameter[];
  body: Schema | undefined;
}

const OWN_ROUTES: Operation[] = [
  {
    method: 'GET',
    template: '/api/storefront/products/{idOrSlug}',
    parameters: [{ name: 'idOrSlug', in: 'path', schema: { type: 'string' }, required: true }],
    body: undefined,
  },
  {
    method: 'GET',
    template: '/api/recommendations',
    parameters: [
      { name: 'productId', in: 'query', schema: { type: 'string', format: 'uuid' }, required: true },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 20 }, required: false },
    ],
    body: undefined,
  },
  {
    method: 'GET',
    template: '/api/recommendations/me',
    parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 20 }, required: false }],
    body: undefined,
  },
  {
    method: 'GET',
    template: '/health/services/{name}',
    parameters: [{ name: 'name', in: 'path', schema: { enum: [...SERVICE_NAMES] }, required: true }],
    body: undefined,
  },
  { method: 'GET', template: '/api/ops/services', parameters: [], body: undefined },
  {
    method: 'POST',
    template: '/api/ops/dead-letters/{service}/{id}/replay',
    parameters: [
      { name: 'service', in: 'path', schema: { enum: [...SERVICE_NAMES] }, required: true },
      { name: 'id', in: 'path', schema: { type: 'string', format: 'uuid' }, required: true },
    ],
    body: undefined,
  },
  {
    method: 'GET',
    template: '/docs/static/{file}',
    parameters: [{ name: 'file', in: 'path', schema: { type: 'string' }, required: true }],
    body: undefined,
  },
  { method: 'GET', template: '/metrics', parameters: [], body: undefined },
  // The web app (API.md "The web app"): its pages take any query string, its built files none.
  ...['/', '/search', '/cart', '/checkout', '/orders', '/account', '/sign-in', '/sign-up', '/admin', '/ops'].map(
    (template): Operation => ({ method: 'GET', template, parameters: [], body: undefined }),
  ),
  ...[
    '/products/{slug}',
    '/categories/{slug}',
    '/orders/{id}',
    '/account/{section}',
    '/admin/{section}',
    '/ops/{section}',
    '/assets/{file}',
  ].map((template): Operation => {
    const name = /\{(\w+)\}/.exec(template)?.[1] ?? 'x';
    return { method: 'GET', template, parameters: [{ name, in: 'path', schema: { type: 'string' }, required: true }], body: undefined };
  }),
];

function operationsOf(document: any): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries<any>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters: Parameter[] = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p: any) => ({
        name: p.name,
        in: p.in,
        schema: p.schema,
        required: Boolean(p.required),
      }));
      // Path parameters the document leaves out are still in the template.
      for (const [, name] of template.matchAll(/\{([^}]+)\}/g))
        if (name && !parameters.some((p) => p.in === 'path' && p.name === name))
          parameters.push({ name, in: 'path', schema: undefined, required: true });
      operations.push({
        method: method.toUpperCase(),
        template,
        parameters,
        body: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

type Actor = 'anonymous' | 'customer' | 'admin' | 'forged';

interface World {
  operations: Operation[];
  tokens: Record<'customer' | 'admin', string>;
  forged: string[];
  /** Real ids, skus, slugs and tokens, so generated requests also hit existing resources. */
  real: string[];
}
let world: World;

function authorization(actor: Actor, forged: string): Record<string, string> {
  if (actor === 'anonymous') return {};
  if (actor === 'forged') return { authorization: forged };
  return { authorization: `Bearer ${world.tokens[actor]}` };
}

/** One generated request for an operation, before the caller's credentials are added. */
interface Draft {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

type Focus = 'path' | 'query' | 'body' | 'all' | 'none';

const PATH_SUFFIXES = [
  '',
  '/',
  '//',
  '/x',
  '/..',
  '/.',
  '/%2e%2e/internal/carts',
  '/..%2f..%2finternal',
  '\\..\\internal',
  '%00',
  '/%ff',
  ';x=1',
  '.json',
  '~',
] as const;

/** Header values undici sends (visible ASCII, spaces and tabs inside, Latin-1). */
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,40}[\x21-\x7e])?$/),
  fc.constantFrom('', 'a b', 'é', '\u00ff', 'x'.repeat(300), 'x'.repeat(5000)),
);

function requestArb(op: Operation, focus: Focus): fc.Arbitrary<Draft> {
  const real = world.real;
  const hostile = (part: Focus) => focus === part || focus === 'all';
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const headerParams = op.parameters.filter((p) => p.in === 'header');

  const pathArb = fc
    .tuple(
      fc.tuple(
        ...pathParams.map((p) =>
          hostile('path')
            ? fc.tuple(hostileText(real), encodingArb).map(([v, e]) => encodePart(v, e, '/?'))
            : fc.oneof(validArb(p.schema, real), fc.constantFrom(...real)).map((v) => percentEncode(String(v))),
        ),
      ),
      hostile('path')
        ? fc.oneof({ arbitrary: fc.constant(''), weight: 3 }, { arbitrary: fc.constantFrom(...PATH_SUFFIXES), weight: 1 })
        : fc.constant(''),
    )
    .map(([values, suffix]) => {
      let path = op.template;
      pathParams.forEach((p, i) => {
        path = path.replace(`{${p.name}}`, values[i] ?? '');
      });
      return `${path}${suffix}`;
    });

  const knownNames = queryParams.map((p) => p.name);
  const queryArb: fc.Arbitrary<string> = hostile('query')
    ? fc
        .array(
          fc.record({
            name: fc.oneof(
              ...(knownNames.length > 0 ? [{ arbitrary: fc.constantFrom(...knownNames), weight: 4 }] : []),
              { arbitrary: fc.constantFrom('limit', 'cursor', 'q', '__proto__', 'constructor', 'a[b]', 'a.b', '', 'x'), weight: 1 },
              { arbitrary: hostileText(real), weight: 1 },
            ),
            value: queryValue(real),
            encoding: encodingArb,
            equals: fc.boolean(),
          }),
          { minLength: 1, maxLength: 5 },
        )
        .map((pairs) =>
          pairs
            .map(
              ({ name, value, encoding, equals }) =>
                `${encodePart(name, encoding, '&=#')}${equals ? `=${encodePart(value, encoding, '&#')}` : ''}`,
            )
            .join('&'),
        )
        .map((q) => `?${q}`)
    : fc.tuple(...queryParams.map((p) => fc.option(validArb(p.schema, real), { freq: p.required ? 10 : 2 }))).map((values) => {
        const pairs = queryParams.flatMap((p, i) =>
          values[i] === null || values[i] === undefined ? [] : [`${p.name}=${percentEncode(String(values[i]))}`],
        );
        return pairs.length > 0 ? `?${pairs.join('&')}` : '';
      });

  const headersArb = fc
    .tuple(
      ...headerParams.map((p) =>
        hostile('all') || hostile('body') ? fc.option(headerValue) : fc.option(validArb(p.schema, real), { freq: 10 }),
      ),
    )
    .map((values) => Object.fromEntries(headerParams.flatMap((p, i) => (values[i] === null ? [] : [[p.name, String(values[i])]]))));

  const bodyArb: fc.Arbitrary<{ body: Buffer; contentType: string | undefined } | undefined> = hostile('body')
    ? fc.oneof({ arbitrary: looseBodyArb(op.body, real), weight: 9 }, { arbitrary: fc.constant(undefined), weight: 1 })
    : op.body
      ? validArb(op.body, real).map((v) => ({ body: serialize(v), contentType: 'application/json' }))
      : fc.constant(undefined);

  return fc.record({ path: pathArb, query: queryArb, headers: headersArb, body: bodyArb }).map(({ path, query, headers, body }) =>
    printable({
      method: op.method,
      path: `${path}${query}`,
      headers: { ...headers, ...(body?.contentType === undefined ? {} : { 'content-type': body.contentType }) },
      body: body?.body,
    }),
  );
}

/** A request that prints as one line (with its body cut short) in fast-check's counterexample. */
function printable<T extends Draft>(draft: T): T {
  return Object.defineProperty(draft, fc.toStringMethod, { value: () => describeExchange(draft), enumerable: false });
}

/** Sends a draft as every kind of caller and checks each answer. */
async function asEveryone(draft: Draft, forged: string, tally: Tally): Promise<void> {
  for (const actor of ['anonymous', 'customer', 'admin', 'forged'] as const) {
    tally.add((await send({ ...draft, headers: { ...draft.headers, ...authorization(actor, forged) } })).status);
  }
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-fuzz-'));
  await chmod(dataDir, 0o755);
  platform = await launchPlatform({
    MERCATO_DATA_DIR: dataDir,
    GATEWAY_PORT: String(await freePort()),
    MERCATO_DB_PREFIX: prefix,
    DATABASE_URL: external ?? '',
    MERCATO_SEED: 'none',
    MERCATO_ADMIN_EMAIL: ADMIN.email,
    MERCATO_ADMIN_PASSWORD: ADMIN.password,
    MERCATO_RATE_LIMIT_ANON: '0',
    MERCATO_RATE_LIMIT_USER: '0',
    MERCATO_RATE_LIMIT_AUTH: '0',
    MERCATO_SANDBOX_DELAY_MS: '20',
  });
  base = platform.gatewayUrl;
  const url = new URL(base);
  origin = { host: url.hostname, port: Number(url.port) };

  const login = await call('POST', '/api/auth/login', { body: ADMIN });
  assert.equal(login.status, 200);
  const admin: string = login.body.accessToken;
  const first = await createProduct(admin, 'FUZZ-1', 'fuzz-goods', 1000);
  const second = await createProduct(admin, 'FUZZ-2', 'fuzz-goods', 1000);
  const customer = await register('fuzzer');
  assert.equal((await call('POST', '/api/cart/items', { token: customer.token, body: { sku: 'FUZZ-1', quantity: 2 } })).status, 200);
  const orderId = await placeConfirmedOrder(customer.token);
  assert.equal((await call('POST', '/api/cart/items', { token: customer.token, body: { sku: 'FUZZ-2', quantity: 1 } })).status, 200);

  // The built app's files, so generated requests also hit real ones under /assets/.
  const page = await agent.request({ origin: base, path: '/', method: 'GET' });
  const html = await page.body.text();
  assert.equal(page.statusCode, 200, `the web app is served at /: ${preview(html)}`);
  const assetFiles = [...html.matchAll(/\/assets\/([\w.-]+)/g)].map((m) => m[1] ?? '');
  const documented = await call('GET', '/docs/json');
  assert.equal(documented.status, 200);
  const listed = operationsOf(documented.body);
  const operations = [
    ...listed,
    ...OWN_ROUTES.filter((own) => !listed.some((op) => op.method === own.method && op.template === own.template)),
  ];
  for (const expected of ['POST /api/products', 'GET /api/cart', 'POST /api/orders', 'PUT /api/inventory/{sku}', 'PATCH /api/me'])
    assert.ok(
      operations.some((op) => `${op.method} ${op.template}` === expected),
      `the merged document lists ${expected}`,
    );
  // A forged token: the customer's with the payload claiming admin, the signature kept.
  const [header, payload, signature] = customer.token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
  const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['admin', 'customer'] })).toString('base64url');
  world = {
    operations,
    tokens: { customer: customer.token, admin },
    forged: [
      'Bearer garbage',
      'Bearer ',
      'Bearer',
      'bearer x.y.z',
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${header}.${elevated}.${signature}`,
      `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${elevated}.`,
      `Bearer ${customer.token}x`,
      `Bearer ${customer.refreshToken}`,
      `Bearer ${'a'.repeat(8000)}`,
      `Bearer ${admin} ${admin}`,
    ],
    real: [
      first.id,
      first.slug,
      first.sku,
      second.id,
      second.sku,
      orderId,
      customer.id,
      customer.email,
      'fuzz-goods',
      'tok_visa',
      'tok_unknown',
      randomUUID(),
      ...SERVICE_NAMES,
      ...assetFiles,
    ],
  };
});

after(async () => {
  await agent.close();
  await platform?.stop();
  if (external) await dropServiceDatabases(external, prefix, [...SERVICE_NAMES, 'bus']);
  await rm(dataDir, { recursive: true, force: true });
});

const forgedArb = () => fc.constantFrom(...world.forged);
const operationArb = () => fc.constantFrom(...world.operations);

describe('property 1: every documented operation, any input, any caller: < 500 and problem+json', () => {
  for (const [focus, numRuns] of [
    ['path', 500],
    ['query', 500],
    ['body', 800],
    ['all', 500],
  ] as const) {
    it(`hostile ${focus === 'all' ? 'path, query, headers and body at once' : `${focus}`}`, {
      timeout: timeoutFor(numRuns, 200),
    }, async (t) => {
      const tally = new Tally();
      await fc.assert(
        fc.asyncProperty(
          operationArb().chain((op) => requestArb(op, focus)),
          forgedArb(),
          async (draft, forged) => {
            await asEveryone(draft, forged, tally);
          },
        ),
        settings(numRuns),
      );
      t.diagnostic(`statuses: ${tally}`);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Property 2: hop-by-hop headers over node:http, framing over a raw socket.

/** node:http sends what undici refuses (`Expect`, `Upgrade`, `Connection: upgrade`, `TE`), on a connection of its own. */
function nodeHttp(x: Exchange): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...x.headers };
    // node:http frames a GET, DELETE or OPTIONS body with nothing at all unless told its length.
    if (x.body && headers['transfer-encoding'] === undefined) headers['content-length'] = String(x.body.length);
    const expectsContinue = /100-continue/i.test(headers.expect ?? '');
    const req = httpRequest(
      { host: origin.host, port: origin.port, method: x.method, path: x.path, headers, agent: false, setHost: !('host' in headers) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('error', reject);
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text });
          req.destroy();
        });
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: '' });
    });
    if (expectsContinue) {
      req.on('continue', () => req.end(x.body));
      req.flushHeaders();
    } else {
      req.end(x.body);
    }
  });
}

const option = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
const CONNECTION_NAMES = [
  'close',
  'keep-alive',
  'upgrade',
  'Upgrade',
  'te',
  'trailer',
  'authorization',
  'content-type',
  'content-length',
  'host',
  'x-request-id',
  'accept',
  'cookie',
  'expect',
  'x-private',
  'HTTP2-Settings',
] as const;

const hopByHopHeaders = fc.record({
  connection: option(
    fc.oneof(
      fc.constantFrom('close', 'keep-alive', 'Upgrade', 'upgrade, keep-alive', 'Upgrade, HTTP2-Settings', 'TE, close', ''),
      fc.array(fc.constantFrom(...CONNECTION_NAMES), { minLength: 1, maxLength: 4 }).map((names) => names.join(', ')),
    ),
  ),
  'keep-alive': option(fc.constantFrom('timeout=5', 'timeout=5, max=1000', 'max=0', 'timeout=-1', 'timeout=99999999999', 'garbage')),
  upgrade: option(fc.constantFrom('websocket', 'h2c', 'HTTP/2.0', 'TLS/1.0', 'foo/1, bar', 'websocket, h2c')),
  'http2-settings': option(fc.constant('AAMAAABkAARAAAAAAAIAAAAA')),
  te: option(fc.constantFrom('trailers', 'gzip', 'chunked', 'deflate;q=0.5, trailers', 'compress')),
  trailer: option(fc.constantFrom('X-Foo', 'Content-Length', 'Authorization', 'Expires, X-Trace')),
  expect: option(fc.constantFrom('100-continue', '100-continue', '100-Continue', '100-continue, foo', 'foo', '200-ok', 'x'.repeat(300))),
  'proxy-connection': option(fc.constantFrom('keep-alive', 'close')),
  'proxy-authorization': option(fc.constant('Basic YTpi')),
  'x-request-id': option(headerValue),
  'x-forwarded-for': option(fc.constantFrom('1.2.3.4', 'unknown', '::1, 10.0.0.1', '<script>', '', '999.999.999.999')),
  'x-forwarded-host': option(fc.constantFrom('evil.example', '')),
  'x-forwarded-proto': option(fc.constantFrom('https', 'gopher')),
  forwarded: option(fc.constantFrom('for=1.2.3.4;proto=https', 'garbage')),
  origin: option(fc.constantFrom('null', 'https://evil.example', 'http://localhost', '')),
  'access-control-request-method': option(fc.constantFrom('DELETE', 'PUT', 'FOO')),
  'access-control-request-headers': option(fc.constantFrom('authorization', 'x-a, x-b', '*')),
  'accept-encoding': option(fc.constantFrom('gzip', 'br, gzip;q=0', 'identity;q=0', '*;q=0', 'x-custom')),
  accept: option(fc.constantFrom('text/html', 'application/xml', '*/*;q=0', 'application/problem+json')),
  'if-none-match': option(fc.constantFrom('*', '"x"', 'W/"x"', 'garbage')),
  'if-modified-since': option(fc.constantFrom('Thu, 01 Jan 1970 00:00:00 GMT', 'garbage')),
  range: option(fc.constantFrom('bytes=0-1', 'bytes=-1', 'bytes=1-0', 'bytes=0-1,2-3', 'lines=1')),
  'content-encoding': option(fc.constantFrom('gzip', 'br', 'identity', 'x')),
  'x-http-method-override': option(fc.constantFrom('DELETE', 'PUT')),
  cookie: option(fc.constantFrom('a=b', `session=${'x'.repeat(100)}`)),
  host: option(fc.constantFrom('evil.example', 'localhost:1', 'a'.repeat(300), '[::1]', 'x y', '')),
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The HTTP/1.1 answers in what a connection received, and whether the last one was cut short. */
function parseResponses(data: Buffer): { responses: RawResponse[]; truncated: boolean; garbage: boolean } {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end === -1) return { responses, truncated: true, garbage: false };
    const [statusLine = '', ...lines] = data.subarray(at, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!match) return { responses, truncated: false, garbage: true };
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      headers[name] = headers[name] === undefined ? line.slice(colon + 1).trim() : `${headers[name]}, ${line.slice(colon + 1).trim()}`;
    }
    at = end + 4;
    if (status >= 100 && status < 200 && status !== 101) continue;
    if (status === 101) {
      responses.push({ status, headers, body: Buffer.alloc(0) });
      return { responses, truncated: false, garbage: false };
    }
    let body: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf('\r\n', at);
        if (lineEnd === -1) return { responses, truncated: true, garbage: false };
        const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
        at = lineEnd + 2;
        if (size === 0) {
          const trailersEnd = data.indexOf('\r\n', at);
          if (trailersEnd === -1) return { responses, truncated: true, garbage: false };
          at = trailersEnd + 2;
          break;
        }
        if (!Number.isFinite(size) || at + size + 2 > data.length) return { responses, truncated: true, garbage: false };
        parts.push(data.subarray(at, at + size));
        at += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (at + length > data.length) return { responses, truncated: true, garbage: false };
      body = data.subarray(at, at + length);
      at += length;
    } else if (status !== 204 && status !== 304) {
      body = data.subarray(at);
      at = data.length;
    }
    responses.push({ status, headers, body });
  }
  return { responses, truncated: false, garbage: false };
}

/**
 * Writes the bytes and reads what comes back: until the server closes, or for a short grace after a
 * whole answer when it keeps the connection open (a pipelined second request gets its answer too).
 */
function rawExchange(bytes: Buffer): Promise<{ data: Buffer; outcome: 'closed' | 'kept open' | 'hung'; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect(origin.port, origin.host);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let outcome: 'closed' | 'kept open' | 'hung' = 'closed';
    let grace: NodeJS.Timeout | undefined;
    const hung = setTimeout(() => {
      outcome = 'hung';
      socket.destroy();
    }, 15_000);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const { responses, truncated } = parseResponses(Buffer.concat(chunks));
      clearTimeout(grace);
      if (responses.length > 0 && !truncated) {
        grace = setTimeout(() => {
          outcome = 'kept open';
          socket.destroy();
        }, 100);
      }
    });
    socket.on('error', (e: Error & { code?: string }) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(hung);
      clearTimeout(grace);
      resolve({ data: Buffer.concat(chunks), outcome, error });
    });
    socket.write(bytes);
  });
}

interface RawSpec {
  method: string;
  target: string;
  version: string;
  host: string;
  body: Buffer;
  framing: string;
  lengthStyle: string;
  cut: number;
  transferEncoding: string;
  chunking: string;
  extra: string[];
  eol: string;
  authorization: string | undefined;
}

function chunked(body: Buffer, chunking: string, eol: string): Buffer {
  const third = Math.max(1, Math.ceil(body.length / 3));
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += third) pieces.push(body.subarray(i, i + third));
  const size = (piece: Buffer) => {
    const hex = piece.length.toString(16);
    switch (chunking) {
      case 'extensions':
        return `${hex};name=value;x`;
      case 'bad-size':
        return 'zz';
      case 'overflow-size':
        return 'f'.repeat(20);
      case 'negative-size':
        return `-${hex}`;
      case 'hex-prefix':
        return `0x${hex}`;
      case 'space-size':
        return `${hex} `;
      default:
        return hex;
    }
  };
  const out: Buffer[] = [];
  for (const piece of pieces) {
    out.push(Buffer.from(`${size(piece)}${eol}`), piece, Buffer.from(chunking === 'missing-crlf' ? 'XX' : eol));
  }
  out.push(Buffer.from(chunking === 'trailers' ? `0${eol}X-Trailer: 1${eol}Content-Length: 5${eol}${eol}` : `0${eol}${eol}`));
  return Buffer.concat(out);
}

/** The request's bytes. Framing never asks for more bytes than are sent, so the server never waits for the rest. */
function rawBytes(spec: RawSpec): Buffer {
  const { eol } = spec;
  const lines = [`${spec.method} ${spec.target} ${spec.version}`];
  if (spec.host === 'normal') lines.push(`Host: ${origin.host}:${origin.port}`);
  if (spec.host === 'twice-same') lines.push('Host: a', 'Host: a');
  if (spec.host === 'twice-different') lines.push('Host: a', 'Host: b');
  if (spec.host === 'empty') lines.push('Host:');
  if (spec.host === 'weird') lines.push('Host: a b@c:99999');
  if (spec.authorization) lines.push(`Authorization: ${spec.authorization}`);
  // Mostly the whole body; sometimes less, and what is left over arrives as the next (pipelined) request.
  const n = spec.cut < 0 ? spec.body.length : spec.cut % (spec.body.length + 1);
  const length = (value: number) => {
    switch (spec.lengthStyle) {
      case 'leading-zeros':
        return `000${value}`;
      case 'spaces':
        return `  ${value}  `;
      case 'tab':
        return `\t${value}`;
      case 'plus':
        return `+${value}`;
      case 'minus':
        return `-${value}`;
      case 'hex':
        return `0x${value.toString(16)}`;
      case 'exponent':
        return `${value}e0`;
      case 'overflow':
        return '184467440737095516160';
      case 'empty':
        return '';
      case 'alpha':
        return `${value}a`;
      case 'list':
        return `${value}, ${value}`;
      default:
        return String(value);
    }
  };
  let body: Buffer<ArrayBufferLike> = spec.body;
  switch (spec.framing) {
    case 'cl':
      lines.push(`Content-Length: ${length(n)}`);
      break;
    case 'cl-twice-same':
      lines.push(`Content-Length: ${n}`, `Content-Length: ${n}`);
      break;
    case 'cl-twice-different':
      lines.push(`Content-Length: ${n}`, `Content-Length: ${n + 1}`);
      break;
    case 'te':
      lines.push(`Transfer-Encoding: ${spec.transferEncoding}`);
      body = chunked(spec.body, spec.chunking, eol);
      break;
    case 'te-twice':
      lines.push('Transfer-Encoding: chunked', `Transfer-Encoding: ${spec.transferEncoding}`);
      body = chunked(spec.body, spec.chunking, eol);
      break;
    case 'cl+te':
      lines.push(`Content-Length: ${n}`, `Transfer-Encoding: ${spec.transferEncoding}`);
      body = chunked(spec.body, spec.chunking, eol);
      break;
    case 'te+cl':
      lines.push(`Transfer-Encoding: ${spec.transferEncoding}`, `Content-Length: ${body.length}`);
      break;
    default:
      if (spec.cut < 0) body = Buffer.alloc(0);
      break;
  }
  lines.push(...spec.extra.map((line) => line.replaceAll('\r\n', eol)));
  return Buffer.concat([Buffer.from(`${lines.join(eol)}${eol}${eol}`, 'latin1'), body]);
}

const RAW_TARGETS = [
  '/api/products',
  '/api/products?limit=5',
  '/api/cart',
  '/api/cart/items',
  '/api/auth/login',
  '/api/auth/register',
  '/api/orders',
  '/api/inventory/FUZZ-1',
  '/api/me',
  '/health/live',
  '/docs/json',
  '/',
  '/products/fuzz-1?x=1',
  '/assets/missing.js',
  '*',
  'http://evil.example/api/products',
  '//api/products',
  'api/products',
  '/api/products#fragment',
  '/api/products?q=%',
  '/%2e%2e/internal/carts',
  '/api/cart\\..\\..\\internal',
  `/api/products/${'a'.repeat(3000)}`,
] as const;

const BENIGN_LINES = [
  'Connection: close',
  'Connection: keep-alive',
  'Content-Type: application/json',
  'Expect: 100-continue',
  'Keep-Alive: timeout=1',
  'TE: trailers',
  'Trailer: X-T',
  'Connection: Upgrade',
  'Upgrade: websocket',
  'Upgrade: h2c',
  'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
  'X-Request-Id: <script>',
  'X-Latin: \u00e9\u00ff',
  'Accept-Encoding: gzip',
] as const;

const HOSTILE_LINES = [
  'Content-Type: text/plain',
  'X-Fold: a\r\n b',
  'Bad Header: x',
  ': empty-name',
  'X-Nul: a\u0000b',
  'X-CR: a\rb',
  'Transfer-Encoding : chunked',
  'Content-Length : 0',
  '\tX-Leading-Tab: 1',
  `X-Long: ${'a'.repeat(17_000)}`,
  'Host: second',
  'Expect: foo',
] as const;

/** The parts of a raw request the fuzzer breaks, one or two at a time (the rest well formed, so a break is met past the parser's first check). */
const RAW_FAULTS = ['method', 'target', 'version', 'host', 'framing', 'length', 'encoding', 'chunking', 'line', 'eol', 'cut'] as const;
type RawFault = (typeof RAW_FAULTS)[number];

const rawSpecArb = (): fc.Arbitrary<RawSpec> =>
  fc
    .record({
      faults: fc.oneof(
        { arbitrary: fc.constant<RawFault[]>([]), weight: 2 },
        { arbitrary: fc.constantFrom(...RAW_FAULTS).map((f) => [f]), weight: 6 },
        { arbitrary: fc.uniqueArray(fc.constantFrom(...RAW_FAULTS), { minLength: 2, maxLength: 3 }), weight: 2 },
      ),
      method: fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE'),
      oddMethod: fc.constantFrom(
        'OPTIONS',
        'CONNECT',
        'TRACE',
        'PRI',
        'FOO',
        'get',
        'PROPFIND',
        'M-SEARCH',
        'QUERY',
        'LINK',
        'PURGE',
        'MKCOL',
      ),
      target: fc.constantFrom(...RAW_TARGETS.slice(0, 13)),
      oddTarget: fc.constantFrom(...RAW_TARGETS.slice(13)),
      oddVersion: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'http/1.1', 'HTTP/1', 'HTTP/1.1 ', 'HTTP/11'),
      oddHost: fc.constantFrom('absent', 'twice-same', 'twice-different', 'empty', 'weird'),
      body: fc.oneof(
        fc.constantFrom(
          Buffer.from(JSON.stringify(ADMIN)),
          Buffer.from(JSON.stringify({ sku: 'FUZZ-1', quantity: 1 })),
          Buffer.from('{"email":"a@b.c","password":"x"}'),
          Buffer.from('0\r\n\r\nGET /api/me HTTP/1.1\r\nHost: x\r\n\r\n'),
          Buffer.from('GET /internal/carts HTTP/1.1\r\nHost: x\r\n\r\n'),
          Buffer.alloc(0),
        ),
        fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
        fc.json({ maxDepth: 2 }).map((t) => Buffer.from(t)),
      ),
      framing: fc.constantFrom('cl', 'cl', 'te', 'none'),
      oddFraming: fc.constantFrom('cl+te', 'te+cl', 'cl-twice-same', 'cl-twice-different', 'te-twice'),
      oddLength: fc.constantFrom(
        'leading-zeros',
        'spaces',
        'tab',
        'plus',
        'minus',
        'hex',
        'exponent',
        'overflow',
        'empty',
        'alpha',
        'list',
      ),
      cut: fc.nat(),
      oddEncoding: fc.constantFrom(
        'Chunked',
        'CHUNKED',
        ' chunked',
        'chunked ',
        'gzip, chunked',
        'chunked, gzip',
        'chunked, chunked',
        'identity',
        'xchunked',
        'chunked;q=1',
        'gzip',
        'chunked\t',
      ),
      oddChunking: fc.constantFrom(
        'extensions',
        'trailers',
        'bad-size',
        'overflow-size',
        'negative-size',
        'missing-crlf',
        'hex-prefix',
        'space-size',
      ),
      benign: fc.subarray([...BENIGN_LINES], { maxLength: 3 }),
      hostileLine: fc.constantFrom(...HOSTILE_LINES),
      oddEol: fc.constantFrom('\n', '\r', '\r\r\n'),
      authorization: fc.option(
        fc.constantFrom(
          ...['customer', 'admin', 'garbage'].map((who) =>
            who === 'garbage' ? 'Bearer garbage' : `Bearer ${world.tokens[who as 'customer' | 'admin']}`,
          ),
        ),
        { nil: undefined },
      ),
    })
    .map((r) => {
      const odd = (fault: RawFault) => r.faults.includes(fault);
      const spec: RawSpec = {
        method: odd('method') ? r.oddMethod : r.method,
        target: odd('target') ? r.oddTarget : r.target,
        version: odd('version') ? r.oddVersion : 'HTTP/1.1',
        host: odd('host') ? r.oddHost : 'normal',
        body: r.body,
        framing: odd('framing') ? r.oddFraming : r.framing,
        lengthStyle: odd('length') ? r.oddLength : 'plain',
        // The whole body, or (a fault) less of it: the rest arrives as the next, pipelined request.
        cut: odd('cut') ? r.cut : -1,
        transferEncoding: odd('encoding') ? r.oddEncoding : 'chunked',
        chunking: odd('chunking') ? r.oddChunking : 'good',
        extra: odd('line') ? [...r.benign, r.hostileLine] : r.benign,
        eol: odd('eol') ? r.oddEol : '\r\n',
        authorization: r.authorization,
      };
      return Object.defineProperty(spec, fc.toStringMethod, {
        value: () => `${JSON.stringify(r.faults)} ${preview(rawBytes(spec), 600)}`,
        enumerable: false,
      });
    });

describe('property 2: hop-by-hop headers and conflicting framing: an answer, < 500, problem+json', () => {
  it('hop-by-hop and proxy headers (Connection, Keep-Alive, Upgrade, TE, Trailer, Expect: 100-continue) over node:http', {
    timeout: timeoutFor(500, 200),
  }, async (t) => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(
        operationArb().chain((op) => requestArb(op, 'none')),
        hopByHopHeaders,
        fc.constantFrom<Actor>('anonymous', 'customer', 'admin', 'forged'),
        forgedArb(),
        fc.constantFrom<string | undefined>(undefined, undefined, undefined, 'OPTIONS'),
        async (draft, hop, actor, forged, method) => {
          const headers: Record<string, string> = { ...draft.headers, ...authorization(actor, forged) };
          for (const [name, value] of Object.entries(hop)) if (value !== undefined) headers[name] = value;
          // node:http sends a Trailer header only with a chunked body (it refuses it otherwise, before sending).
          if (headers.trailer !== undefined) headers['transfer-encoding'] = 'chunked';
          // Left out: Expect: 100-continue on a bodiless chunked request. The server may answer at once
          // without 100 (RFC 9110 §10.1.1) and close, and the client's late terminating chunk then races
          // the close into a reset before node:http reads the answer (CI, seed 1291142638): a TCP race
          // of this client, not a dropped request. The raw-socket property covers such framing.
          if (headers['transfer-encoding'] !== undefined && !draft.body && /100-continue/i.test(headers.expect ?? ''))
            delete headers.expect;
          const x: Exchange = { ...draft, method: method ?? draft.method, headers };
          let answer: Answer;
          try {
            answer = await nodeHttp(x);
          } catch (error) {
            const { code, message } = error as { code?: string; message: string };
            assert.fail(`${describeExchange(x)}\n  → no answer (${code ?? ''} ${message})`);
          }
          assertAnswer(describeExchange(x), answer.status, answer.contentType, answer.text, x);
          tally.add(answer.status);
        },
      ),
      settings(500),
    );
    t.diagnostic(`statuses: ${tally}`);
  });

  it('conflicting Content-Length and Transfer-Encoding, bad chunking, bad request lines, over a raw socket', {
    timeout: timeoutFor(300, 500),
  }, async (t) => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(rawSpecArb(), async (spec) => {
        const bytes = rawBytes(spec);
        const what = `raw ${preview(bytes, 600)}`;
        const { data, outcome, error } = await rawExchange(bytes);
        assert.notEqual(outcome, 'hung', `${what}\n  → no answer within 15 s (received ${preview(data)})`);
        const { responses, truncated, garbage } = parseResponses(data);
        assert.ok(
          responses.length > 0,
          `${what}\n  → the connection closed without an answer (${error ?? 'no error'}; received ${preview(data)})`,
        );
        assert.ok(!truncated && !garbage, `${what}\n  → an answer cut short or not HTTP: ${preview(data)}`);
        for (const response of responses)
          assertAnswer(what, response.status, response.headers['content-type'] ?? '', response.body.toString('utf8'));
        tally.add(`${responses.map((r) => r.status).join('+')} ${outcome}`);
      }),
      settings(300),
    );
    t.diagnostic(`answers (per connection): ${tally}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Property 3: a rejected request changes nothing.

interface Target {
  method: string;
  template: string;
  /** Real values of the path parameters. */
  params: Record<string, string>;
  /** Who may make the change: admin routes are admin-only; the rest are the owner's. */
  who: 'admin' | 'owner';
  /** A body that would make the change. */
  body?: unknown;
  headers?: () => Record<string, string>;
  /** Resources of the owner's that another customer must not see (→ 404). */
  owned?: boolean;
  /** Routes where an unknown id is 404, not a create (so any valid-looking id of nothing is a rejection). */
  missingIs404?: boolean;
}

/** A way to make a valid request invalid; each is a rejection by construction (API.md "Conventions"). */
type Breakage =
  | { kind: 'anonymous' | 'customer-on-admin' | 'stranger' | 'malformed-json' | 'text-plain' | 'no-idempotency-key' }
  | { kind: 'forged'; token: string }
  | { kind: 'unknown-query'; name: string; value: string; encoding: Encoding }
  | { kind: 'poison'; at: number; value: RawJson | RawBytes | string; asKey: boolean }
  | { kind: 'extra-field'; name: string; value: unknown }
  | { kind: 'replace'; at: number; value: unknown; why: string }
  | { kind: 'drop-required'; at: number }
  | { kind: 'path'; name: string; value: string; encoding: Encoding }
  | { kind: 'idempotency-key'; value: string }
  | { kind: 'payment-token'; value: string };

/** Paths to the fields of a value (present ones and those its schema names), each with its schema and its object's. */
function slotPaths(
  value: unknown,
  schema: Schema | undefined,
  at: string[] = [],
  out: { path: string[]; schema?: Schema; parent?: Schema }[] = [],
) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  const keys = new Set([...Object.keys(value), ...Object.keys(schema?.properties ?? {})]);
  for (const key of keys) {
    const inner = schema?.properties?.[key];
    out.push({ path: [...at, key], schema: inner, parent: schema });
    slotPaths((value as Record<string, unknown>)[key], inner, [...at, key], out);
  }
  return out;
}

function setAt(root: unknown, path: string[], value: unknown, asKey = false): unknown {
  const copy = structuredClone(root) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  // Defined, not assigned: `node.__proto__ = v` would set the prototype and leave the JSON without the field.
  const define = (key: string, item: unknown) =>
    Object.defineProperty(node, key, { value: item, enumerable: true, writable: true, configurable: true });
  if (asKey) define(String(value), 1);
  else define(path.at(-1) ?? 'x', value);
  return copy;
}

function deleteAt(root: unknown, path: string[]): unknown {
  const copy = structuredClone(root) as Record<string, unknown>;
  let node: Record<string, unknown> | undefined = copy;
  for (const key of path.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
  if (node) delete node[path.at(-1) ?? ''];
  return copy;
}

const KNOWN_TOKENS = ['tok_visa', 'tok_mastercard', 'tok_declined', 'tok_insufficient_funds', 'tok_provider_error'];

function breakageArb(target: Target, schema: Schema | undefined, op: Operation | undefined): fc.Arbitrary<Breakage> {
  const options: fc.Arbitrary<Breakage>[] = [
    fc.constant({ kind: 'anonymous' as const }),
    forgedArb().map((token) => ({ kind: 'forged' as const, token })),
    fc.constant({ kind: 'malformed-json' as const }),
  ];
  const known = new Set((op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
  options.push(
    fc
      .record({
        name: fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/).filter((n) => !known.has(n)),
        value: queryValue(world.real),
        encoding: encodingArb,
      })
      .map((b) => ({ kind: 'unknown-query' as const, ...b })),
  );
  if (target.who === 'admin') options.push(fc.constant({ kind: 'customer-on-admin' as const }));
  if (target.owned) options.push(fc.constant({ kind: 'stranger' as const }));
  const slots = slotPaths(target.body, schema);
  // Poison anywhere in a body: non-finite numbers, control characters (in a value or a name), bytes that are not UTF-8.
  options.push(
    fc
      .record({
        at: fc.nat(),
        value: fc.oneof(
          fc.constantFrom('1e400', '-1e400', '1E999', '-1e999').map((t) => new RawJson(t)),
          fc.constantFrom(...INVALID_UTF8).map((b) => new RawBytes(Buffer.concat([Buffer.from('"a'), Buffer.from(b), Buffer.from('"')]))),
          controlString(STRICT_CONTROL_CHARS),
        ),
        asKey: fc.boolean(),
      })
      .map((b) => ({ kind: 'poison' as const, ...b, asKey: b.asKey && typeof b.value === 'string' })),
  );
  if (schema) {
    options.push(fc.constant({ kind: 'text-plain' as const }));
    if (schema.additionalProperties === false) {
      const names = new Set(Object.keys(schema.properties ?? {}));
      options.push(
        fc
          .record({
            name: fieldName.filter((n) => !names.has(n) && !hasControl(n)),
            value: fc.jsonValue({ maxDepth: 2 }),
          })
          .map((b) => ({ kind: 'extra-field' as const, ...b })),
      );
    }
    const typed = slots.flatMap((slot, index) => {
      const wrong = slot.schema ? wrongTypeArb(slot.schema) : undefined;
      const range = slot.schema ? outOfRangeArb(slot.schema) : undefined;
      return [
        ...(wrong ? [wrong.map((value) => ({ kind: 'replace' as const, at: index, value, why: 'wrong type' }))] : []),
        ...(range ? [range.map((value) => ({ kind: 'replace' as const, at: index, value, why: 'out of range' }))] : []),
        ...(slot.schema && slot.schema.type !== 'array' && !typesOf(slot.schema)?.has('array')
          ? [
              deepNesting
                .filter((t) => t.startsWith('['))
                .map((t) => ({ kind: 'replace' as const, at: index, value: new RawJson(t), why: 'nested array' })),
            ]
          : []),
      ];
    });
    if (typed.length > 0) options.push(fc.oneof(...typed));
    const required = slots.flatMap((slot, index) => {
      const present =
        slot.path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], target.body) !== undefined;
      return present && (slot.parent?.required ?? []).includes(slot.path.at(-1)) ? [index] : [];
    });
    if (required.length > 0) options.push(fc.constantFrom(...required).map((at) => ({ kind: 'drop-required' as const, at })));
  }
  for (const parameter of (op?.parameters ?? []).filter((p) => p.in === 'path')) {
    const values: fc.Arbitrary<{ value: string; encoding: Encoding }>[] = [
      fc
        .constantFrom('..', '.', '%2e%2e', '%2E', '.%2e', '%2F', 'a%2Fb', '%5C', 'a\\b', '%00', '%ff', '%')
        .map((value) => ({ value, encoding: 'verbatim' as const })),
    ];
    const broken = parameter.schema ? outOfRangeArb(parameter.schema) : undefined;
    if (broken) values.push(broken.map((value) => ({ value: String(value), encoding: 'encoded' as const })));
    if (target.missingIs404) {
      const missing = parameter.schema?.format === 'uuid' ? fc.uuid() : fc.stringMatching(/^NOPE-[A-Z0-9]{1,20}$/);
      values.push(missing.map((value) => ({ value, encoding: 'encoded' as const })));
    }
    options.push(fc.oneof(...values).map((b) => ({ kind: 'path' as const, name: parameter.name, ...b })));
  }
  if (target.headers) {
    options.push(fc.constant({ kind: 'no-idempotency-key' as const }));
    options.push(
      fc
        .oneof(
          fc.constantFrom('', 'a b', 'é', '\u00ff', 'x'.repeat(256), 'tab\there'),
          fc.string({ minLength: 1, maxLength: 10 }).map((s) => `a ${s}`),
        )
        .map((value) => ({ kind: 'idempotency-key' as const, value })),
    );
    options.push(
      fc
        .oneof(
          fc.constantFrom('tok_unknown', 'tok_', 'TOK_VISA', 'tok_visa ', ' tok_visa', 'tok_visa\u200b'),
          fc.string({ minLength: 1, maxLength: 20 }),
        )
        .filter((t) => !KNOWN_TOKENS.includes(t))
        .map((value) => ({ kind: 'payment-token' as const, value })),
    );
  }
  return fc.oneof(...options);
}

interface Fixtures {
  admin: string;
  owner: string;
  stranger: string;
  product: any;
  other: any;
  orderId: string;
}

/** The request the breakage makes of the target, and the token it goes with. */
function breakRequest(target: Target, schema: Schema | undefined, breakage: Breakage, fixtures: Fixtures): Exchange {
  let token: string | undefined = target.who === 'admin' ? fixtures.admin : fixtures.owner;
  let authorizationHeader: string | undefined;
  const params = { ...target.params };
  const pathEncoding: Record<string, Encoding> = {};
  let query = '';
  let body: Buffer<ArrayBufferLike> | undefined = target.body === undefined ? undefined : serialize(target.body);
  let contentType: string | undefined = target.body === undefined ? undefined : 'application/json';
  const headers: Record<string, string> = target.headers?.() ?? {};
  const slots = slotPaths(target.body, schema);
  const slotAt = (at: number) => slots[at % Math.max(slots.length, 1)]?.path ?? ['x'];
  switch (breakage.kind) {
    case 'anonymous':
      token = undefined;
      break;
    case 'forged':
      token = undefined;
      authorizationHeader = breakage.token;
      break;
    case 'customer-on-admin':
      token = fixtures.owner;
      break;
    case 'stranger':
      token = fixtures.stranger;
      break;
    case 'unknown-query':
      query = `?${encodePart(breakage.name, breakage.encoding, '&=#')}=${encodePart(breakage.value, breakage.encoding, '&#')}`;
      break;
    case 'malformed-json': {
      const text = body ?? Buffer.from('{"a":1}');
      body = text.subarray(0, Math.max(1, text.length - 1));
      contentType = 'application/json';
      break;
    }
    case 'text-plain':
      contentType = 'text/plain';
      break;
    case 'poison':
      body = serialize(setAt(target.body ?? {}, target.body === undefined ? ['x'] : slotAt(breakage.at), breakage.value, breakage.asKey));
      contentType = 'application/json';
      break;
    case 'extra-field':
      body = serialize(setAt(target.body, [breakage.name], breakage.value));
      break;
    case 'replace':
      body = serialize(setAt(target.body, slotAt(breakage.at), breakage.value));
      break;
    case 'drop-required':
      body = serialize(deleteAt(target.body, slotAt(breakage.at)));
      break;
    case 'path':
      params[breakage.name] = breakage.value;
      pathEncoding[breakage.name] = breakage.encoding;
      break;
    case 'no-idempotency-key':
      delete headers['idempotency-key'];
      break;
    case 'idempotency-key':
      headers['idempotency-key'] = breakage.value;
      break;
    case 'payment-token':
      body = serialize({ ...(target.body as object), paymentToken: breakage.value });
      break;
  }
  let path = target.template;
  for (const [name, value] of Object.entries(params))
    path = path.replace(`{${name}}`, encodePart(value, pathEncoding[name] ?? 'encoded', '/?'));
  if (token) headers.authorization = `Bearer ${token}`;
  if (authorizationHeader) headers.authorization = authorizationHeader;
  if (contentType) headers['content-type'] = contentType;
  return { method: target.method, path: `${path}${query}`, headers, body };
}

describe('property 3: a rejected change changes nothing', () => {
  let fixtures: Fixtures;
  let targets: Target[];
  let baseline: Record<string, unknown>;

  /** Everything a target could change, read back. */
  async function snapshot() {
    const { admin, owner, product, other, orderId } = fixtures;
    const read = async (path: string, token?: string) => {
      const answer = await call('GET', path, { token });
      return { status: answer.status, body: answer.body };
    };
    const [products, product1, product2, newProduct, stock1, stock2, stockList, cart, me, orders, order, payment] = await Promise.all([
      read('/api/products?category=state-goods&limit=100'),
      read(`/api/products/${product.id}`),
      read(`/api/products/${other.id}`),
      read('/api/products/state-new'),
      call('PUT', '/api/inventory/STATE-NONE', { token: admin, body: { onHand: 0 } }).then(() => read('/api/inventory/STATE-1')),
      read('/api/inventory/STATE-2'),
      read('/api/inventory?skus=STATE-1,STATE-2,STATE-NEW'),
      read('/api/cart', owner),
      read('/api/me', owner),
      read('/api/orders', owner),
      read(`/api/orders/${orderId}`, admin),
      read(`/api/admin/payments/${orderId}`, admin),
    ]);
    return { products, product1, product2, newProduct, stock1, stock2, stockList, cart, me, orders, order, payment };
  }

  let corrupted = false;
  function assertUnchanged(now: Record<string, unknown>, what: string): void {
    const then = baseline as Record<string, unknown>;
    const changed = Object.keys(then).filter((key) => JSON.stringify(now[key]) !== JSON.stringify(then[key]));
    corrupted ||= changed.length > 0;
    assert.deepEqual(
      changed,
      [],
      `${what} this changed:\n${changed.map((key) => `  ${key} was: ${JSON.stringify(then[key])}\n  ${key} now: ${JSON.stringify(now[key])}`).join('\n')}`,
    );
  }

  before(async () => {
    const login = await call('POST', '/api/auth/login', { body: ADMIN });
    const admin: string = login.body.accessToken;
    const product = await createProduct(admin, 'STATE-1', 'state-goods', 50);
    const other = await createProduct(admin, 'STATE-2', 'state-goods', 50);
    const owner = await register('owner');
    const stranger = await register('stranger');
    assert.equal((await call('PATCH', '/api/me', { token: owner.token, body: { name: 'Owner', address: ADDRESS } })).status, 200);
    assert.equal((await call('POST', '/api/cart/items', { token: owner.token, body: { sku: 'STATE-1', quantity: 2 } })).status, 200);
    const orderId = await placeConfirmedOrder(owner.token);
    assert.equal((await call('POST', '/api/cart/items', { token: owner.token, body: { sku: 'STATE-1', quantity: 1 } })).status, 200);
    fixtures = { admin, owner: owner.token, stranger: stranger.token, product, other, orderId };
    const key = () => ({ 'idempotency-key': randomUUID() });
    targets = [
      {
        method: 'POST',
        template: '/api/products',
        params: {},
        who: 'admin',
        body: {
          slug: 'state-new',
          name: 'New',
          description: 'new',
          category: 'state-goods',
          price: { amount: 100, currency: CURRENCY },
          sku: 'STATE-NEW',
          images: [],
          attributes: { size: 'L' },
        },
      },
      {
        method: 'PATCH',
        template: '/api/products/{id}',
        params: { id: product.id },
        who: 'admin',
        body: { name: 'Renamed', description: 'changed', price: { amount: 999, currency: CURRENCY } },
        missingIs404: true,
      },
      { method: 'DELETE', template: '/api/products/{id}', params: { id: other.id }, who: 'admin', missingIs404: true },
      { method: 'PUT', template: '/api/inventory/{sku}', params: { sku: 'STATE-1' }, who: 'admin', body: { onHand: 7 } },
      {
        method: 'POST',
        template: '/api/admin/orders/{id}/ship',
        params: { id: orderId },
        who: 'admin',
        body: { carrier: 'UPS', trackingNumber: '1Z999' },
        missingIs404: true,
      },
      { method: 'POST', template: '/api/orders/{id}/cancel', params: { id: orderId }, who: 'owner', owned: true, missingIs404: true },
      {
        method: 'PATCH',
        template: '/api/me',
        params: {},
        who: 'owner',
        body: { name: 'Changed', address: { ...ADDRESS, city: 'Elsewhere' } },
      },
      { method: 'POST', template: '/api/cart/items', params: {}, who: 'owner', body: { sku: 'STATE-2', quantity: 3 } },
      {
        method: 'PATCH',
        template: '/api/cart/items/{sku}',
        params: { sku: 'STATE-1' },
        who: 'owner',
        body: { quantity: 5 },
        missingIs404: true,
      },
      { method: 'DELETE', template: '/api/cart/items/{sku}', params: { sku: 'STATE-1' }, who: 'owner', missingIs404: true },
      { method: 'DELETE', template: '/api/cart', params: {}, who: 'owner' },
      {
        method: 'POST',
        template: '/api/orders',
        params: {},
        who: 'owner',
        body: { shippingAddress: ADDRESS, paymentToken: 'tok_visa' },
        headers: key,
      },
    ];
    for (const target of targets)
      assert.ok(
        world.operations.some((op) => op.method === target.method && op.template === target.template),
        `${target.method} ${target.template} is in the merged document`,
      );
    // Listings follow a change within 1 s: wait until they show both products, then take the baseline.
    const until = Date.now() + 10_000;
    while ((await call('GET', '/api/products?category=state-goods&limit=100')).body.items.length < 2 && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 100));
    baseline = await snapshot();
  });

  it('admin and customer changes refused with a 4xx (auth, validation, framing, existence) leave every resource as it was', {
    timeout: timeoutFor(300, 500),
  }, async (t) => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets).chain((target) => {
          const op = world.operations.find((o) => o.method === target.method && o.template === target.template);
          return fc.tuple(fc.constant(target), breakageArb(target, op?.body, op));
        }),
        async ([target, breakage]) => {
          // Once a run has changed something every later one would fail too: skipped, so the shrink keeps the culprit.
          fc.pre(!corrupted);
          const op = world.operations.find((o) => o.method === target.method && o.template === target.template);
          const x = breakRequest(target, op?.body, breakage, fixtures);
          const answer = await send(x).catch((error: unknown) => {
            corrupted = true;
            throw error;
          });
          corrupted ||= answer.status < 400;
          tally.add(`${breakage.kind}:${answer.status}`);
          assert.ok(
            answer.status >= 400 && answer.status < 500,
            `${describeExchange(x)} (${JSON.stringify(breakage).slice(0, 200)})\n  → ${answer.status}: an invalid change was accepted: ${preview(answer.text)}`,
          );
          assertUnchanged(await snapshot(), `${describeExchange(x)}\n  → ${answer.status}, and`);
        },
      ),
      settings(300),
    );
    // Listings lag a change by up to 1 s: look once more after that.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assertUnchanged(await snapshot(), 'after the rejected requests (and 1.2 s for the listings)');
    t.diagnostic(`breakage:status ${tally}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Property 4: after all of it, no circuit is open.

describe('property 4: after the fuzzing, every breaker is closed', () => {
  it('GET /api/products, /api/cart (customer), /api/inventory/{sku} and /health/ready answer 200, not 503', async (t) => {
    for (const [path, token] of [
      ['/api/products', undefined],
      ['/api/cart', world.tokens.customer],
      ['/api/inventory/FUZZ-1', undefined],
      ['/api/inventory/STATE-1', undefined],
      ['/api/me', world.tokens.customer],
      ['/api/orders', world.tokens.customer],
      ['/health/ready', undefined],
    ] as const) {
      const answer = await call('GET', path, { token });
      assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
    }
    const errors = platform
      .output()
      .split('\n')
      .filter((line) => line.includes('"level":"error"') || line.includes('"level":50'));
    t.diagnostic(`${errors.length} error lines in the platform's log`);
    for (const line of errors.slice(0, 5)) {
      try {
        const entry = JSON.parse(line.slice(line.indexOf('{')));
        t.diagnostic(`${entry.service}: ${entry.msg} (${entry.err?.type ?? ''} ${entry.err?.code ?? ''} ${entry.err?.message ?? ''})`);
      } catch {
        t.diagnostic(line.slice(0, 300));
      }
    }
  });
});
