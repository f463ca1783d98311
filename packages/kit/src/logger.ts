import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(options: { service: string; instance: string; level: string }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service, instance: options.instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
