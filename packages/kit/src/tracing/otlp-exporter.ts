import type { Logger } from 'pino';
import type { Span, SpanAttributes, SpanKind } from './span.ts';
import type { SpanExporter } from './tracer.ts';

/** OTLP's SpanKind numbers (opentelemetry-proto trace.proto). */
const OTLP_KIND: Record<SpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
/** Status codes: 1 ok, 2 error. */
const OTLP_STATUS = { ok: 1, error: 2 } as const;
/** A batch goes out at this size or after FLUSH_MS, whichever comes first. */
const BATCH_SIZE = 512;
const FLUSH_MS = 1_000;
/** Spans waiting beyond this while the collector is slow or gone are dropped (counted in the log), never buffered without end. */
const MAX_QUEUED = 4_096;
const EXPORT_TIMEOUT_MS = 5_000;

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function anyValue(value: string | number | boolean): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function keyValues(attributes: SpanAttributes): { key: string; value: AnyValue }[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

const nanos = (epochMs: number): string => (BigInt(Math.round(epochMs * 1_000)) * 1_000n).toString();

/** One span in OTLP/JSON (ids hex, times as decimal nanosecond strings). */
export function otlpSpan(span: Span): Record<string, unknown> {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: OTLP_KIND[span.kind],
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.startTime + span.durationMs),
    attributes: keyValues(span.attributes),
    status: { code: OTLP_STATUS[span.status], ...(typeof span.attributes.error === 'string' ? { message: span.attributes.error } : {}) },
  };
}

/** The body of `POST /v1/traces` for a batch of one process's spans. */
export function otlpTraceRequest(resource: { service: string; instance: string }, spans: readonly Span[]): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: keyValues({
            'service.name': resource.service,
            'service.instance.id': resource.instance,
            'service.namespace': 'mercato',
          }),
        },
        scopeSpans: [{ scope: { name: '@mercato/kit' }, spans: spans.map(otlpSpan) }],
      },
    ],
  };
}

/**
 * Ships kept spans to an OpenTelemetry collector (Jaeger, Tempo, any OTLP receiver) over OTLP/HTTP
 * with the JSON encoding, in batches, when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`)
 * is set. A collector that is down costs dropped spans, never memory or a blocked request.
 */
export class OtlpHttpExporter implements SpanExporter {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #resource: { service: string; instance: string };
  readonly #log: Logger;
  #queue: Span[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  #dropped = 0;

  constructor(options: { url: string; headers?: Record<string, string>; service: string; instance: string; log: Logger }) {
    this.#url = options.url;
    this.#headers = options.headers ?? {};
    this.#resource = { service: options.service, instance: options.instance };
    this.#log = options.log;
  }

  export(span: Span): void {
    if (this.#queue.length >= MAX_QUEUED) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(span);
    if (this.#queue.length >= BATCH_SIZE) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.#timer.unref();
    }
  }

  /** Sends what is queued (one request at a time). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return this.#sending;
    this.#sending = this.#sending.then(() => this.#send(batch));
    return this.#sending;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  async #send(batch: Span[]): Promise<void> {
    try {
      const response = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.#headers },
        body: JSON.stringify(otlpTraceRequest(this.#resource, batch)),
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (!response.ok) this.#log.warn({ status: response.status, spans: batch.length }, 'the trace collector refused a batch');
    } catch (error) {
      this.#log.warn({ err: error, spans: batch.length, dropped: this.#dropped }, 'could not send spans to the trace collector');
    }
  }
}

/** The traces URL the OpenTelemetry environment variables name, if any (spec: `…_TRACES_ENDPOINT` as is, else `ENDPOINT` + `/v1/traces`). */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/** `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values URL-encoded) as a header object. */
export function otlpHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      headers[pair.slice(0, at).trim().toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // A malformed value is left out rather than sent half-decoded.
    }
  }
  return headers;
}
