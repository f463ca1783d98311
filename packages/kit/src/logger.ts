import { type Logger, pino } from 'pino';
import { currentSpan } from './tracing/tracer.ts';

export type { Logger };

export function createLogger(options: { service: string; instance: string; level: string }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, instance: options.instance },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Every line written while a span is current names its trace, its span and the order it is about.
      mixin() {
        const span = currentSpan();
        if (!span) return {};
        const orderId = span.attributes['order.id'];
        return orderId === undefined
          ? { traceId: span.traceId, spanId: span.spanId }
          : { traceId: span.traceId, spanId: span.spanId, orderId };
      },
    },
    // Synchronous: pino's default buffers lines and flushes them synchronously on exit, and that flush
    // retries a write that failed with EPIPE forever (sleeping 100 ms each time). A child whose
    // supervisor died (stdout's reader gone) then hung in process.exit, deaf to SIGTERM. Written at
    // once, an EPIPE makes pino drop further lines and nothing is left to flush on exit.
    pino.destination({ dest: 1, sync: true }),
  );
}
