import { Counter } from 'prom-client';
import type { BaseConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { OtlpHttpExporter, otlpHeaders, otlpTracesUrl } from './otlp-exporter.ts';
import { SpanStore } from './span-store.ts';
import { Tracer } from './tracer.ts';

/** A service's tracer from its configuration: the in-memory store always, OTLP export when a collector is named. */
export function createTracer(options: {
  service: string;
  instance: string;
  config: BaseConfig;
  log: Logger;
  metrics: Metrics;
  env?: NodeJS.ProcessEnv;
}): Tracer {
  const { service, instance, config, log } = options;
  const url = otlpTracesUrl({
    OTEL_EXPORTER_OTLP_ENDPOINT: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
  });
  const recorded = new Counter({
    name: 'mercato_spans_recorded_total',
    help: 'Spans this process kept (sampled traces, and every failed span)',
    registers: [options.metrics.registry],
  });
  return new Tracer({
    enabled: config.MERCATO_TRACING === 'on',
    service,
    instance,
    sampleRate: config.MERCATO_TRACE_SAMPLE_RATE,
    store: new SpanStore({ maxSpans: config.MERCATO_TRACE_MAX_SPANS, maxAgeMs: config.MERCATO_TRACE_MAX_AGE_S * 1_000 }),
    exporter: url ? new OtlpHttpExporter({ url, headers: otlpHeaders(options.env ?? process.env), service, instance, log }) : undefined,
    onRecorded: () => recorded.inc(),
  });
}
