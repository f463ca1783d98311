import type { TProperties } from 'typebox';
import { ConfigError } from './config.ts';
import { createService, type ServiceDefinition } from './service.ts';

/** The message a child sends its supervisor over IPC once it listens. */
export interface ChildReadyMessage {
  type: 'mercato:ready';
  service: string;
  instanceId: string;
  url: string;
}

/**
 * The whole life of a service process: configure (one clear line and exit 1 on a bad value), start,
 * tell the supervisor where it listens, and stop gracefully on SIGTERM/SIGINT or when the
 * supervisor goes away.
 */
export async function runService<P extends TProperties>(definition: ServiceDefinition<P>): Promise<void> {
  let service: Awaited<ReturnType<typeof createService<P>>>;
  try {
    service = await createService(definition);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { log } = service.context;
  let stopping: Promise<void> | undefined;
  const stop = (reason: string) => {
    stopping ??= (async () => {
      log.info({ reason }, 'stopping');
      try {
        await service.stop();
        process.exit(0);
      } catch (error) {
        log.error({ err: error }, 'unclean stop');
        process.exit(1);
      }
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // The supervisor's IPC channel closes when it dies, even by SIGKILL: do not outlive it.
  process.on('disconnect', () => void stop('supervisor gone'));
  process.on('unhandledRejection', (error) => {
    log.fatal({ err: error }, 'unhandled rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });

  try {
    const url = await service.start();
    if (process.send) {
      const message: ChildReadyMessage = { type: 'mercato:ready', service: definition.name, instanceId: service.context.instanceId, url };
      process.send(message);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(`${definition.name}: port ${service.context.config.PORT} is already in use; choose another one\n`);
    } else if (code === 'ECONNREFUSED' || code === '28P01' || code === '3D000') {
      process.stderr.write(
        `${definition.name}: cannot reach its database (${(error as Error).message}); check ${definition.name.toUpperCase()}_DATABASE_URL\n`,
      );
    } else {
      log.fatal({ err: error }, 'failed to start');
    }
    process.exit(1);
  }
}
