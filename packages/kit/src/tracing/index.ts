export * from './otlp-exporter.ts';
export * from './server-spans.ts';
export * from './span.ts';
export * from './span-store.ts';
export * from './tracer.ts';
