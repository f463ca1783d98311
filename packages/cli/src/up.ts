import { resolve } from 'node:path';
import { ControlEvents, type ControlServer, startControlServer } from '@mercato/autoscaler/control';
import { CLI_CLIENT, GATEWAY_OPS_CLIENT, type SuppliedSecret } from '@mercato/contracts/topology';
import {
  basicAuthorization,
  type ChildReadyMessage,
  type ClientCredentials,
  databaseUrlVariable,
  readInternalTls,
} from '@mercato/kit/supervisor';
import { ensureWebBuilt } from '@mercato/web';
import { childMemoryEnv, nodeFlagsFor } from './child-memory.ts';
import { isPortFree } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import { checkNodeVersion } from './node-version.ts';
import { guardOutput, writeErr, writeOut } from './output.ts';
import { type EmbeddedCluster, startEmbeddedPostgres } from './postgres/embedded.ts';
import { provisionServiceDatabases } from './postgres/provision.ts';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts';
import { clientSecretHashes, ensureSecrets, type PlatformSecrets, secretSha256 } from './secrets.ts';
import { seedModeOf } from './seed/seed-mode.ts';
import { seedOnFirstStart } from './seed/seed-on-first-start.ts';
import { type SmallTls, smallRequest } from './small-http.ts';
import { autoscaleLimits } from './supervision/autoscale-config.ts';
import type { AutoscaleLoop } from './supervision/autoscale-loop.ts';
import { DeadLetterReplay } from './supervision/dead-letter-replay.ts';
import { ReadinessWatch } from './supervision/readiness-watch.ts';
import { runningInstances, scalingOff } from './supervision/scaling-off.ts';
import { SupervisorCalls } from './supervision/supervisor-calls.ts';
import { ALL_PROCESSES, BUSINESS_SERVICES, GATEWAY, type ProcessSpec, REGISTRY } from './topology.ts';
import { UserError } from './user-error.ts';

export interface UpOptions {
  env: NodeJS.ProcessEnv;
  /** Instances per service, e.g. { catalog: 2 }; default 1. */
  scale: Record<string, number>;
  /** `--autoscale`: the predictive autoscaler starts and drains business services' instances. */
  autoscale?: boolean;
}

const STOP_GRACE_MS = 15_000;
const READY_TIMEOUT_MS = 90_000;
/** One Ctrl-C can arrive twice (the terminal signals the whole group, npm forwards it again): not a second interrupt. */
const SAME_INTERRUPT_MS = 1_000;

/** Wide enough for every process name, so the supervisor's lines align with the children's. */
const NAME_WIDTH = Math.max(...ALL_PROCESSES.map((s) => s.name.length)) + 3;

function say(line: string): void {
  writeOut(`${'mercato'.padEnd(NAME_WIDTH)} | ${line}\n`);
}

/** `catalog#2` → `catalog`. */
function specName(processName: string): string {
  return processName.split('#')[0] ?? processName;
}

/** `catalog`, `catalog#2`, … */
function instanceName(spec: ProcessSpec, index: number): string {
  return index === 0 ? spec.name : `${spec.name}#${index + 1}`;
}

/** The certificates beside the processes': the supervisor's own calls, and the `mercato` commands' (cli-token.ts). */
const SUPERVISOR_CERT = 'supervisor';
const CLI_CERT = 'cli';

/** Thrown into the start sequence once a stop was asked: nothing more is started. */
class StopAsked extends Error {}

/** `mercato up`: Postgres, then the registry, every service and the gateway as supervised child processes. */
export async function up(options: UpOptions): Promise<void> {
  guardOutput();
  const startedAt = performance.now();
  const nodeProblem = checkNodeVersion();
  if (nodeProblem) throw new UserError(nodeProblem);
  say(`Mercato on Node.js ${process.versions.node}`);

  const env = options.env;
  const host = env.MERCATO_HOST ?? '127.0.0.1';
  // A process on a port of its own (the gateway's is the shop's address) has it checked before anything starts.
  const fixedPorts = new Map<string, number>();
  for (const spec of ALL_PROCESSES) {
    if (!spec.port) continue;
    const { variable } = spec.port;
    const port = Number(env[variable] ?? spec.port.default);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UserError(`${variable} must be a whole number from 1 to 65535 (got ${JSON.stringify(env[variable])}).`);
    }
    if (!(await isPortFree(port, host))) {
      throw new UserError(`Port ${port} is already in use; stop what holds it or set ${variable} to another port.`);
    }
    fixedPorts.set(spec.name, port);
  }
  /** `PORT=0` (a free port, found through discovery), or the port its variable says. */
  const portEnv = (spec: ProcessSpec): NodeJS.ProcessEnv =>
    spec.port ? { [spec.port.variable]: String(fixedPorts.get(spec.name)) } : { PORT: '0' };

  const seedMode = seedModeOf(env);
  const limits = options.autoscale
    ? autoscaleLimits(
        BUSINESS_SERVICES.map((s) => s.name),
        options.scale,
        env.MERCATO_AUTOSCALE_LIMITS,
      )
    : undefined;
  /** Instances a service starts with, and as many as it may ever have (certificates are made for each). */
  const initialCount = (spec: ProcessSpec) => limits?.get(spec.name)?.min ?? options.scale[spec.name] ?? 1;
  const mostInstances = (spec: ProcessSpec) => limits?.get(spec.name)?.max ?? initialCount(spec);
  const autoReplay = env.MERCATO_DLQ_AUTO_REPLAY ?? 'off';
  if (!['on', 'off', ''].includes(autoReplay))
    throw new UserError(`MERCATO_DLQ_AUTO_REPLAY must be on or off (got ${JSON.stringify(autoReplay)}).`);
  const internalTlsMode = env.MERCATO_INTERNAL_TLS ?? 'off';
  if (!['on', 'off', ''].includes(internalTlsMode))
    throw new UserError(`MERCATO_INTERNAL_TLS must be on or off (got ${JSON.stringify(internalTlsMode)}).`);

  const dataDir = resolve(env.MERCATO_DATA_DIR ?? '.mercato');
  const prefix = env.MERCATO_DB_PREFIX ?? 'mercato';
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new UserError('MERCATO_DB_PREFIX must be lowercase letters, digits and underscores.');

  const processes: ManagedProcess[] = [];
  // What the supervisor does by itself, for the gateway's /api/ops/events (packages/contracts/src/ops-control.ts).
  const events = new ControlEvents((event) => say(`[${event.kind}] ${event.service} ${JSON.stringify(event.detail)}`));
  let readinessWatch: ReadinessWatch | undefined;
  let deadLetterReplay: DeadLetterReplay | undefined;
  let autoscaleLoop: AutoscaleLoop | undefined;
  let controlServer: ControlServer | undefined;
  /** Instances the autoscaler is draining: no longer in `processes`, still waited for on the way out. */
  const draining = new Set<Promise<void>>();
  let cluster: EmbeddedCluster | undefined;
  let clusterStarting: Promise<EmbeddedCluster> | undefined;
  const stopCluster = async () => {
    // A stop asked while PostgreSQL is still starting waits for it, or the postmaster would outlive us.
    const running = cluster ?? (await clusterStarting?.catch(() => undefined));
    await running?.stop().catch(() => undefined);
  };
  let shuttingDown: Promise<void> | undefined;
  /** Stops everything in order, then exits; no step's failure (nor lost output) skips the ones after it. */
  const shutdown = (reason: string, code: number): Promise<void> => {
    shuttingDown ??= (async () => {
      let exitCode = code;
      try {
        say(`stopping (${reason})`);
        readinessWatch?.stop();
        deadLetterReplay?.stop();
        autoscaleLoop?.stop();
        for (const p of processes) p.holdRestarts();
        const stopEach = (names: string[]) =>
          Promise.all(processes.filter((p) => names.includes(specName(p.name))).map((p) => p.stop(STOP_GRACE_MS).catch(() => undefined)));
        await stopEach([GATEWAY.name]);
        await stopEach(BUSINESS_SERVICES.map((s) => s.name));
        await Promise.all(draining);
        await stopEach([REGISTRY.name]);
        await controlServer?.close();
        await stopCluster();
        await removeRuntimeFile(dataDir).catch(() => undefined);
        say('stopped');
      } catch (error) {
        writeErr(`mercato: while stopping: ${(error as Error)?.message ?? String(error)}\n`);
        exitCode = 1;
      } finally {
        process.exit(exitCode);
      }
    })();
    return shuttingDown;
  };
  const stopIfAsked = () => {
    if (shuttingDown) throw new StopAsked();
  };
  let firstInterruptAt: number | undefined;
  let forcing = false;
  const onSignal = (signal: string) => {
    firstInterruptAt ??= Date.now();
    if (Date.now() - firstInterruptAt < SAME_INTERRUPT_MS) {
      void shutdown(signal, 0);
      return;
    }
    if (forcing) return;
    forcing = true;
    say('second interrupt: killing every child now');
    for (const p of processes) p.kill();
    void stopCluster().finally(() => process.exit(1));
  };
  // Installed before PostgreSQL starts: an interrupt at any moment stops what was started.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => onSignal(signal));
  // The last resort: whatever went wrong, the children and PostgreSQL are not left behind.
  const onUnexpected = (error: unknown) => {
    writeErr(`mercato: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
    void shutdown('unexpected failure', 1);
  };
  process.on('uncaughtException', onUnexpected);
  process.on('unhandledRejection', onUnexpected);

  // Beside PostgreSQL's start, so a fresh clone's first `npm start` serves the app without adding to the time to ready.
  const webBuilding = ensureWebBuilt(say).catch((error: unknown) => {
    say(
      `the web app could not be built (${(error as Error).message}); the API works, pages answer 503 until \`npm run build -w @mercato/web\` succeeds`,
    );
  });
  try {
    let adminUrl = env.DATABASE_URL;
    const needProvisioning = ALL_PROCESSES.filter((s) => s.database && !env[databaseUrlVariable(s.name)]).map((s) => s.name);
    if (needProvisioning.length > 0 && !adminUrl) {
      clusterStarting = startEmbeddedPostgres(dataDir, say);
      cluster = await clusterStarting;
      adminUrl = cluster.adminUrl;
      say(`PostgreSQL ${cluster.port === 0 ? '' : `on 127.0.0.1:${cluster.port} `}(embedded, data in ${dataDir})`);
    } else if (adminUrl) {
      say(`PostgreSQL at ${redact(adminUrl)} (DATABASE_URL)`);
    }
    stopIfAsked();

    // The pg-boss bus lives in its own `bus` database of the same cluster, unless NATS carries the events.
    const useBusDatabase = !env.NATS_URL && !env.BUS_DATABASE_URL && Boolean(adminUrl);
    const toProvision = useBusDatabase ? [...needProvisioning, 'bus'] : needProvisioning;
    const databaseUrls =
      adminUrl && toProvision.length > 0 ? await provisionServiceDatabases(adminUrl, prefix, toProvision) : new Map<string, string>();
    const busUrl = env.BUS_DATABASE_URL ?? databaseUrls.get('bus');
    say(env.NATS_URL ? `event bus: NATS JetStream at ${env.NATS_URL}` : `event bus: pg-boss in the ${prefix}_bus database`);
    const childEnv: NodeJS.ProcessEnv = { ...env, ...childMemoryEnv(env) };
    delete childEnv.DATABASE_URL;
    // Every process but the registry calls others, so holds a client credential of its own.
    const clientIds = [...ALL_PROCESSES.filter((s) => s !== REGISTRY).map((s) => s.name), GATEWAY_OPS_CLIENT, CLI_CLIENT];
    const secrets = await ensureSecrets(dataDir, clientIds, say);
    const credentials = (name: string) => ({ MERCATO_CLIENT_ID: name, MERCATO_CLIENT_SECRET: secrets.clients[name] });
    const databaseEnv = (spec: ProcessSpec): NodeJS.ProcessEnv =>
      spec.database ? { [databaseUrlVariable(spec.name)]: databaseUrls.get(spec.name) ?? env[databaseUrlVariable(spec.name)] } : {};
    // MERCATO_INTERNAL_TLS=on: the CA once, a fresh certificate per process per start (docs/security.md).
    // Imported only then: the certificate library stays out of the supervisor otherwise (ADR 0021).
    const tlsNames = [
      REGISTRY.name,
      ...BUSINESS_SERVICES.flatMap((spec) => Array.from({ length: mostInstances(spec) }, (_, i) => instanceName(spec, i))),
      GATEWAY.name,
      SUPERVISOR_CERT,
      CLI_CERT,
    ];
    const tlsFiles =
      internalTlsMode === 'on' ? await (await import('./internal-certs.ts')).provisionInternalTls(dataDir, tlsNames, say) : undefined;
    if (tlsFiles) say('internal calls use mutual TLS (MERCATO_INTERNAL_TLS=on)');
    const tlsEnv = (name: string): NodeJS.ProcessEnv => {
      const files = tlsFiles?.get(name);
      return files
        ? {
            MERCATO_INTERNAL_TLS: 'on',
            MERCATO_INTERNAL_CA_FILE: files.ca,
            MERCATO_INTERNAL_CERT_FILE: files.cert,
            MERCATO_INTERNAL_KEY_FILE: files.key,
          }
        : {};
    };
    const supervisorTls: SmallTls | undefined = readInternalTls(tlsEnv(SUPERVISOR_CERT));
    const jsonLogs = env.MERCATO_LOG_FORMAT === 'json';
    const make = (spec: ProcessSpec, index: number, extra: NodeJS.ProcessEnv) => {
      stopIfAsked();
      const name = instanceName(spec, index);
      const managed = new ManagedProcess({
        name,
        entry: spec.entry,
        nodeFlags: nodeFlagsFor(name, env),
        env: { ...childEnv, ...extra, ...tlsEnv(name), MERCATO_INSTANCE_ID: `${spec.name}-${index + 1}` },
        nameWidth: NAME_WIDTH,
        jsonLogs,
        log: say,
        onGone: (last) =>
          void forgetInstance(registryUrl, last, { clientId: CLI_CLIENT, clientSecret: secrets.clients[CLI_CLIENT] ?? '' }, supervisorTls),
        onRestart: (info) =>
          events.record('restarted', spec.name, {
            instance: name,
            cause: info.cause,
            exitCode: info.exitCode,
            signal: info.signal,
            attempt: info.attempt,
            backoffMs: info.delayMs,
          }),
        onCrashLoop: (info) => {
          const detail = { instance: name, restarts: info.restarts, windowSeconds: info.windowMs / 1000 };
          events.record('crash_loop', spec.name, detail);
          events.record('alert_firing', spec.name, {
            alert: 'CrashLoop',
            severity: 'critical',
            summary: `${name} restarted ${info.restarts} times within ${info.windowMs / 1000} s; the supervisor stopped restarting it`,
          });
        },
      });
      processes.push(managed);
      return managed;
    };

    // The gateway reads the supervisor's events and scaling state here, with its ops credential.
    controlServer = await startControlServer({
      host: '127.0.0.1',
      port: 0,
      clientId: GATEWAY_OPS_CLIENT,
      clientSecretSha256: secretSha256(secrets.clients[GATEWAY_OPS_CLIENT]),
      events,
      scaling: () => autoscaleLoop?.state() ?? scalingOff(processes),
      tls: supervisorTls,
    });

    let registryUrl = '';
    // Only a service holding its own credential may register as itself (no rogue identity instances).
    const registry = make(REGISTRY, 0, {
      PORT: registryPort(env.MERCATO_REGISTRY_PORT),
      ...databaseEnv(REGISTRY),
      ...suppliedSecrets(REGISTRY, secrets, env),
    });
    registry.start();
    const registryListensAt = (await waitReady(registry)).url;
    // A restarted registry must come back where every instance looks for it.
    registry.options.env.PORT = new URL(registryListensAt).port;
    // Where instances reach it: itself, or an address in front of it (a load balancer, a test's TCP proxy).
    registryUrl = env.MERCATO_REGISTRY_URL ?? registryListensAt;

    const serviceEnv = (spec: ProcessSpec): NodeJS.ProcessEnv => ({
      ...portEnv(spec),
      MERCATO_REGISTRY_URL: registryUrl,
      ...databaseEnv(spec),
      ...(busUrl ? { BUS_DATABASE_URL: busUrl } : {}),
      ...credentials(spec.name),
      ...suppliedSecrets(spec, secrets, env),
    });
    const services = BUSINESS_SERVICES.flatMap((spec) =>
      Array.from({ length: initialCount(spec) }, (_, i) => make(spec, i, serviceEnv(spec))),
    );
    for (const s of services) s.start();
    await Promise.all(services.map(waitReady));
    // After the services are up, so their migrations have made the tables; before the gateway, so "ready" means stocked.
    stopIfAsked();
    await seedOnFirstStart(seedMode, env, databaseUrls, say);

    await webBuilding;
    const gateway = make(GATEWAY, 0, {
      ...portEnv(GATEWAY),
      MERCATO_REGISTRY_URL: registryUrl,
      ...databaseEnv(GATEWAY),
      // It publishes storefront.product.viewed (straight to the bus, no outbox); NATS_URL comes with childEnv.
      ...(busUrl ? { BUS_DATABASE_URL: busUrl } : {}),
      ...credentials(GATEWAY.name),
      ...suppliedSecrets(GATEWAY, secrets, env),
      MERCATO_CONTROL_URL: controlServer.url,
    });
    gateway.start();
    await waitReady(gateway);
    const publicUrl = `http://${host === '0.0.0.0' ? 'localhost' : host}:${fixedPorts.get(GATEWAY.name)}`;
    await waitGatewayReady(publicUrl);

    stopIfAsked();
    await writeRuntimeFile(dataDir, { registryUrl, gatewayUrl: publicUrl, pid: process.pid });
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    readinessWatch = new ReadinessWatch(() => processes, { tls: supervisorTls });
    readinessWatch.start();
    const calls = new SupervisorCalls(() => registryUrl, secrets.clients[CLI_CLIENT] ?? '', supervisorTls);
    if (limits) {
      const { startAutoscaling } = await import('./supervision/autoscaling.ts');
      autoscaleLoop = startAutoscaling({
        limits,
        events,
        calls,
        processes,
        startInstance: (service, index) => {
          const spec = BUSINESS_SERVICES.find((s) => s.name === service);
          if (!spec) throw new Error(`no service ${service}`);
          const managed = make(spec, index, serviceEnv(spec));
          managed.start();
          return managed;
        },
        drainInstance: (managed) => {
          // At once: a crash or a recycle while it is being deregistered must not start it again.
          managed.holdRestarts();
          const drained = (async () => {
            await forgetInstance(
              registryUrl,
              managed.ready,
              { clientId: CLI_CLIENT, clientSecret: secrets.clients[CLI_CLIENT] ?? '' },
              supervisorTls,
            );
            await managed.stop(STOP_GRACE_MS);
          })()
            .catch(() => undefined)
            .finally(() => draining.delete(drained));
          draining.add(drained);
        },
      });
      say(`autoscaling ${[...limits].map(([name, l]) => `${name} ${l.min}–${l.max}`).join(', ')} (--autoscale)`);
    }
    if (autoReplay === 'on') {
      deadLetterReplay = new DeadLetterReplay({
        calls,
        events,
        services: BUSINESS_SERVICES.map((s) => s.name),
        isReady: (service) => runningInstances(processes, service) > 0,
      });
      deadLetterReplay.start();
      say('dead letters whose cause has gone are replayed automatically (MERCATO_DLQ_AUTO_REPLAY=on)');
    }
    printStatusTable(processes);
    say(`ready in ${seconds} s: ${publicUrl}  (Ctrl-C stops everything)`);
  } catch (error) {
    // Stopping already (a signal during the start): that stop ends the process.
    if (shuttingDown) return shuttingDown;
    writeErr(`mercato: ${error instanceof UserError ? error.message : `start failed: ${(error as Error)?.message ?? String(error)}`}\n`);
    await shutdown('start failed', 1);
  }
}

async function waitReady(managed: ManagedProcess): Promise<ChildReadyMessage> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UserError(`${managed.name} did not start within ${READY_TIMEOUT_MS / 1000} s; see its log lines above.`)),
      READY_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([managed.whenReady(), timeout]);
  } catch (error) {
    throw error instanceof UserError ? error : new UserError((error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

async function waitGatewayReady(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const response = await smallRequest(`${url}/health/ready`, { timeoutMs: 2_000 });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new UserError(`The gateway at ${url} did not become ready within ${READY_TIMEOUT_MS / 1000} s.`);
}

/** The env variables the topology fills with a secret for this process (its `secrets`). */
function suppliedSecrets(spec: ProcessSpec, secrets: PlatformSecrets, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const secretFor: Record<SuppliedSecret, () => string | undefined> = {
    'data-key': () => env.MERCATO_DATA_KEY ?? secrets.dataKey,
    'client-secret-hashes': () => clientSecretHashes(secrets.clients),
    'ops-client-secret': () => secrets.clients[GATEWAY_OPS_CLIENT],
  };
  return Object.fromEntries(Object.entries(spec.secrets).map(([variable, secret]) => [variable, secretFor[secret]()]));
}

function registryPort(value: string | undefined): string {
  if (value === undefined) return '0';
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`MERCATO_REGISTRY_PORT must be a whole number from 1 to 65535 (got ${JSON.stringify(value)}).`);
  }
  return value;
}

/** A crashed child cannot deregister itself; doing it for it spares callers a TTL of dead routes. */
async function forgetInstance(
  registryUrl: string,
  last: ChildReadyMessage | undefined,
  supervisor: ClientCredentials,
  tls: SmallTls | undefined,
): Promise<void> {
  if (!last || !registryUrl || last.service === REGISTRY.name) return;
  try {
    const list = await smallRequest(`${registryUrl}/instances?service=${last.service}`, { timeoutMs: 2_000, tls });
    const { items } = JSON.parse(list.body) as { items: { id: string; url: string }[] };
    for (const instance of items.filter((i) => i.url === last.url)) {
      await smallRequest(`${registryUrl}/instances/${instance.id}`, {
        method: 'DELETE',
        headers: { authorization: basicAuthorization(supervisor) },
        timeoutMs: 2_000,
        tls,
      });
    }
  } catch {
    // The registry evicts it after its TTL anyway.
  }
}

function printStatusTable(processes: ManagedProcess[]): void {
  const rows = processes.map((p) => [p.name, String(p.child?.pid ?? '-'), p.ready?.url ?? '-']);
  const header = ['process', 'pid', 'url'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  say(line(header));
  for (const row of rows) say(line(row));
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparseable URL';
  }
}
