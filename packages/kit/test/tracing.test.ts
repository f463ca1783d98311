// biome-ignore-all lint/suspicious/noExplicitAny: the OTLP body is read as untyped JSON
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpApp } from '../src/http-app.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import { OtlpHttpExporter, otlpHeaders, otlpTracesUrl } from '../src/tracing/otlp-exporter.ts';
import { formatTraceparent, parseTraceparent } from '../src/tracing/span.ts';
import { SpanStore } from '../src/tracing/span-store.ts';
import { annotateSpan, currentSpan, Tracer, withSpan } from '../src/tracing/tracer.ts';

const silent = createLogger({ service: 'test', instance: 't', level: 'silent' });
const tracerWith = (sampleRate: number, store = new SpanStore({ maxSpans: 100, maxAgeMs: 60_000 })) =>
  new Tracer({ service: 'svc', instance: 'svc-1', sampleRate, store });

describe('trace context', () => {
  it('reads a W3C traceparent and writes it back; anything else is no context', () => {
    const value = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const context = parseTraceparent(value);
    assert.deepEqual(context, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    assert.equal(formatTraceparent(context ?? assert.fail()), value);
    assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled, false);
    for (const bad of [
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ',
      'garbage',
      '',
    ])
      assert.equal(parseTraceparent(bad), undefined, bad);
  });
});

describe('Tracer', () => {
  it('a span under the current one continues its trace; with no current span a trace starts', () => {
    const tracer = tracerWith(1);
    const root = tracer.startSpan('root', 'server');
    assert.equal(root.parentSpanId, null);
    const child = withSpan(root, () => {
      assert.equal(currentSpan(), root);
      annotateSpan({ 'order.id': 'o-1' });
      return tracer.startSpan('child', 'client');
    });
    assert.equal(root.attributes['order.id'], 'o-1');
    assert.equal(child.traceId, root.traceId);
    assert.equal(child.parentSpanId, root.spanId);
    assert.equal(currentSpan(), undefined);
    assert.equal(
      withSpan(undefined, () => currentSpan()),
      undefined,
    );
    assert.equal(
      withSpan(root, () => withSpan(undefined, () => currentSpan())),
      undefined,
      'no span means none, not the one around',
    );
  });

  it('keeps sampled spans and every failed one; an unsampled trace costs no storage', () => {
    const store = new SpanStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const never = tracerWith(0, store);
    never.startSpan('quiet', 'server').end();
    assert.equal(store.size, 0);
    const failed = never.startSpan('broken', 'server');
    failed.fail('boom').end();
    assert.equal(store.size, 1);
    assert.equal(store.spansOf(failed.traceId)[0]?.status, 'error');
    // A caller's decision wins over this process's rate, both ways.
    const continued = never.startSpan('continued', 'consumer', { parent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    continued.end();
    assert.equal(store.spansOf('4bf92f3577b34da6a3ce929d0e0e4736').length, 1);
    const always = tracerWith(1, store);
    always.startSpan('declined by caller', 'server', { parent: '00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' }).end();
    assert.equal(store.spansOf('5bf92f3577b34da6a3ce929d0e0e4736').length, 0);
  });

  it('ends a span once', () => {
    const store = new SpanStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const span = tracerWith(1, store).startSpan('once', 'internal');
    span.end();
    span.end('error');
    assert.equal(store.size, 1);
    assert.equal(store.spansOf(span.traceId)[0]?.status, 'ok');
  });
});

describe('SpanStore', () => {
  it('keeps the newest spans up to its count, and forgets the searchable ids of traces it dropped', () => {
    const store = new SpanStore({ maxSpans: 3, maxAgeMs: 60_000 });
    const tracer = tracerWith(1, store);
    const spans = Array.from({ length: 5 }, (_, i) => {
      const span = tracer.startSpan(`s${i}`, 'server', { attributes: { 'order.id': `o${i}`, 'request.id': `r${i}` } });
      span.end();
      return span;
    });
    assert.equal(store.size, 3);
    assert.deepEqual(store.traceIdsWith('orderId', 'o0'), []);
    assert.deepEqual(store.traceIdsWith('requestId', 'r1'), []);
    assert.deepEqual(store.traceIdsWith('orderId', 'o4'), [spans[4]?.traceId]);
    assert.deepEqual(
      store.summaries({ limit: 10 }).map((s) => s.rootName),
      ['s4', 's3', 's2'],
    );
    assert.deepEqual(store.spansOf(spans[0]?.traceId ?? ''), []);
  });

  it('drops spans older than its age bound', async () => {
    const store = new SpanStore({ maxSpans: 100, maxAgeMs: 30 });
    const span = tracerWith(1, store).startSpan('old', 'server');
    span.end();
    assert.equal(store.size, 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(store.spansOf(span.traceId), []);
    assert.equal(store.size, 0);
  });

  it('summarises a trace by its root, its extent and whether any span failed; counts edges by caller and callee', () => {
    const store = new SpanStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const tracer = tracerWith(1, store);
    const root = tracer.startSpan('POST /api/orders', 'server');
    withSpan(root, () => {
      tracer.startSpan('POST catalog', 'client', { attributes: { 'peer.service': 'catalog' } }).end();
      tracer
        .startSpan('GET cart', 'client', { attributes: { 'peer.service': 'cart' } })
        .fail('503')
        .end();
      tracer.startSpan('process inventory.stock.reserved.v1', 'consumer', { attributes: { 'messaging.source': 'inventory' } }).end();
    });
    root.end();
    const [summary] = store.summaries({ traceIds: [root.traceId], limit: 1 });
    assert.equal(summary?.rootName, 'POST /api/orders');
    assert.equal(summary?.spanCount, 4);
    assert.equal(summary?.error, true);
    assert.ok((summary?.endTime ?? 0) >= (summary?.startTime ?? 1));
    assert.deepEqual(
      store.edges(0).sort((a, b) => a.to.localeCompare(b.to)),
      [
        { from: 'svc', to: 'cart', via: 'http', calls: 1, errors: 1 },
        { from: 'svc', to: 'catalog', via: 'http', calls: 1, errors: 0 },
        { from: 'inventory', to: 'svc', via: 'bus', calls: 1, errors: 0 },
      ],
    );
  });
});

describe('server spans', () => {
  const build = (trustTraceparent: boolean, store: SpanStore) => {
    const app = createHttpApp({
      log: silent,
      metrics: createMetrics({ service: 'svc', instance: 'svc-1' }),
      tracing: { tracer: tracerWith(1, store), trustTraceparent },
    });
    app.post('/things/:id', async (request) => ({ span: currentSpan()?.spanId, trace: currentSpan()?.traceId, id: request.id }));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    return app;
  };
  const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('behind the edge a request continues its caller’s trace, the handler (after the body) runs in its span, named by route pattern', async () => {
    const store = new SpanStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const app = build(true, store);
    const answer = await app.inject({
      method: 'POST',
      url: '/things/42',
      headers: { traceparent: header, 'x-request-id': 'req-7' },
      payload: { a: 1 },
    });
    const body = answer.json();
    assert.equal(body.trace, '4bf92f3577b34da6a3ce929d0e0e4736');
    const [span] = store.spansOf(body.trace);
    assert.equal(span?.spanId, body.span);
    assert.equal(span?.parentSpanId, '00f067aa0ba902b7');
    assert.equal(span?.name, 'POST /things/:id');
    assert.equal(span?.kind, 'server');
    assert.equal(span?.attributes['request.id'], 'req-7');
    assert.equal(span?.attributes['http.status_code'], 200);
    assert.deepEqual(store.traceIdsWith('requestId', 'req-7'), [body.trace]);
    await app.close();
  });

  it('at the edge an outside client’s traceparent is ignored: the trace starts here', async () => {
    const store = new SpanStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const app = build(false, store);
    const body = (await app.inject({ method: 'POST', url: '/things/1', headers: { traceparent: header }, payload: {} })).json();
    assert.notEqual(body.trace, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(store.spansOf(body.trace)[0]?.parentSpanId, null);
    await app.close();
  });

  it('a 5xx answer fails its span; probes and scrapes are not traced', async () => {
    const store = new SpanStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const app = build(true, store);
    assert.equal((await app.inject({ method: 'GET', url: '/boom' })).statusCode, 500);
    const [failed] = store.summaries({ limit: 5 });
    assert.equal(failed?.error, true);
    await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(store.size, 1);
    await app.close();
  });
});

describe('OTLP export', () => {
  let server: Server;
  let url: string;
  const received: { path: string; headers: Record<string, unknown>; body: any }[] = [];
  before(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk) => (text += chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', headers: request.headers, body: JSON.parse(text) });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('the OpenTelemetry variables name the traces URL and headers', () => {
    assert.equal(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), 'http://collector:4318/v1/traces');
    assert.equal(
      otlpTracesUrl({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo/otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }),
      'http://tempo/otlp',
    );
    assert.equal(otlpTracesUrl({}), undefined);
    assert.deepEqual(otlpHeaders({ OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc, x-tenant=shop,broken' }), {
      authorization: 'Bearer abc',
      'x-tenant': 'shop',
    });
  });

  it('ships kept spans over OTLP/HTTP JSON with the service as the resource, parents, kinds and error status', async () => {
    const exporter = new OtlpHttpExporter({
      url: `${url}/v1/traces`,
      headers: { 'x-tenant': 'shop' },
      service: 'orders',
      instance: 'orders-1',
      log: silent,
    });
    const tracer = new Tracer({
      service: 'orders',
      instance: 'orders-1',
      sampleRate: 1,
      store: new SpanStore({ maxSpans: 10, maxAgeMs: 60_000 }),
      exporter,
    });
    const root = tracer.startSpan('POST /api/orders', 'server', { attributes: { 'order.id': 'o-1', 'http.status_code': 202 } });
    withSpan(root, () => tracer.startSpan('provider authorize', 'client').fail('payment declined').end());
    root.end();
    await exporter.flush();
    assert.equal(received.length, 1);
    const [batch] = received;
    assert.equal(batch?.path, '/v1/traces');
    assert.equal(batch?.headers['x-tenant'], 'shop');
    assert.equal(batch?.headers['content-type'], 'application/json');
    const resource = batch?.body.resourceSpans[0];
    assert.deepEqual(
      resource.resource.attributes.find((a: any) => a.key === 'service.name'),
      { key: 'service.name', value: { stringValue: 'orders' } },
    );
    const [child, parent] = resource.scopeSpans[0].spans;
    assert.equal(parent.spanId, root.spanId);
    assert.equal(parent.kind, 2);
    assert.equal(parent.parentSpanId, undefined);
    assert.equal(child.parentSpanId, root.spanId);
    assert.equal(child.kind, 3);
    assert.deepEqual(child.status, { code: 2, message: 'payment declined' });
    assert.match(parent.startTimeUnixNano, /^\d{19}$/);
    assert.ok(BigInt(parent.endTimeUnixNano) >= BigInt(parent.startTimeUnixNano));
    assert.deepEqual(
      parent.attributes.find((a: any) => a.key === 'http.status_code'),
      { key: 'http.status_code', value: { intValue: '202' } },
    );
  });

  it('a collector that is down costs the batch, never an error in the process', async () => {
    const exporter = new OtlpHttpExporter({ url: 'http://127.0.0.1:9/v1/traces', service: 'orders', instance: 'orders-1', log: silent });
    const tracer = new Tracer({
      service: 'orders',
      instance: 'orders-1',
      sampleRate: 1,
      store: new SpanStore({ maxSpans: 10, maxAgeMs: 60_000 }),
      exporter,
    });
    tracer.startSpan('lost', 'server').end();
    await exporter.close();
  });
});
