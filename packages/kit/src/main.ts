import { flushCompileCache } from 'node:module';
import type { TProperties } from 'typebox';
import { ConfigError } from './config.ts';
import { createService, databaseUrlVariable, type Service, type ServiceDefinition } from './service/index.ts';
import { migrateOnly, migrateOnlyRequested } from './service/migrate-only.ts';

/** The message a child sends its supervisor over IPC once it listens. */
export interface ChildReadyMessage {
  type: 'mercato:ready';
  service: string;
  instanceId: string;
  url: string;
}

/** After the drain bound, closing the bus, the pools and the registration may take this much longer. */
const CLOSE_GRACE_MS = 4_000;

/**
 * The whole life of a service process: configure (one clear line and exit 1 on a bad value), start,
 * tell the supervisor where it listens, and stop gracefully on SIGTERM/SIGINT or when the
 * supervisor goes away. However the stop goes, the process exits within the drain bound
 * (MERCATO_SHUTDOWN_TIMEOUT_MS) plus a few seconds.
 */
export async function runService<P extends TProperties, D, M extends URL | undefined, Disc extends boolean | undefined>(
  definition: ServiceDefinition<P, D, M, Disc>,
): Promise<void> {
  // A supervisor that died took the reading end of our stdout and stderr with it: a failed write is
  // no reason to crash (or to hang) on the way out.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

  let service: Service<P> | undefined;
  let stopRequested: string | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (reason: string) => {
    stopRequested ??= reason;
    // Asked before the service exists: it stops as soon as it does (below).
    if (!service || stopping) return;
    const current = service;
    const { log } = current.context;
    // Whatever holds the stop (a stuck pool, a client that never lets go), the process ends.
    const bound = current.context.config.MERCATO_SHUTDOWN_TIMEOUT_MS + CLOSE_GRACE_MS;
    setTimeout(() => {
      log.error({ boundMs: bound }, 'stop took too long; exiting');
      process.exit(1);
    }, bound);
    stopping = (async () => {
      log.info({ reason }, 'stopping');
      try {
        await current.stop();
        process.exit(0);
      } catch (error) {
        log.error({ err: error }, 'unclean stop');
        process.exit(1);
      }
    })();
  };
  // Installed before anything slow, so a signal or a vanished supervisor is never missed.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The supervisor's IPC channel closes when it dies, even by SIGKILL: do not outlive it.
  process.on('disconnect', () => stop('supervisor gone'));
  // Spawned with an IPC channel that is already closed: the supervisor went away before we got here.
  if (process.send && !process.connected) stop('supervisor gone');

  try {
    // An init container's run (deploy/k8s): migrate, then exit before any setup or listener.
    if (migrateOnlyRequested(process.env)) {
      await migrateOnly(definition, process.env).catch((error: unknown) => {
        if (error instanceof ConfigError) throw error;
        const variable = databaseUrlVariable(definition.name);
        process.stderr.write(`${definition.name}: migrations failed (${(error as Error).message}); check ${variable}\n`);
        process.exit(1);
      });
      process.exit(0);
    }
    service = await createService(definition);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { log } = service.context;
  process.on('unhandledRejection', (error) => {
    log.fatal({ err: error }, 'unhandled rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  if (stopRequested) {
    // Nothing listens yet: nothing to drain.
    log.info({ reason: stopRequested }, 'stopped before it started');
    process.exit(0);
  }

  try {
    const url = await service.start();
    if (stopRequested) return stop(stopRequested);
    if (process.send && process.connected) {
      const message: ChildReadyMessage = { type: 'mercato:ready', service: definition.name, instanceId: service.context.instanceId, url };
      process.send(message);
    }
    // Everything it runs is loaded now: with NODE_COMPILE_CACHE set (mercato up sets it), write the
    // cache at once rather than at exit, which a killed process never reaches: the next start then
    // strips no TypeScript (`packages/cli/src/child-memory.ts`). Nothing happens without it.
    flushCompileCache();
  } catch (error) {
    // A stop during the start (app.close() under a listen) is not a failed start.
    if (stopRequested) return stop(stopRequested);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(`${definition.name}: port ${service.context.config.PORT} is already in use; choose another one\n`);
    } else if (code === 'ECONNREFUSED' || code === '28P01' || code === '3D000') {
      process.stderr.write(
        `${definition.name}: cannot reach its database (${(error as Error).message}); check ${databaseUrlVariable(definition.name)}\n`,
      );
    } else {
      log.fatal({ err: error }, 'failed to start');
    }
    process.exit(1);
  }
}
