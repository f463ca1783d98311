import { availableParallelism } from 'node:os';
import { SERVICE_NAMES } from '@mercato/kit';
import { type BusMessages, natsMessages, pgBossMessages } from './bus-messages.ts';
import { type CpuSnapshot, cpuMsBetween, cpuSnapshot } from './proc-cpu.ts';
import { type Memory, memoryByProcess } from './proc-memory.ts';
import type { RunScope } from './proc-tree.ts';
import type { Table } from './scenario.ts';
import { ServiceMetrics } from './service-metrics.ts';
import { adminUrlOf, databaseUrl, type SqlCounters, SqlStats } from './sql-stats.ts';

type Row = Record<string, string | number>;

/** The order rows are listed in: the platform's processes in start order, then PostgreSQL's. */
const ORDER = [
  'registry',
  ...SERVICE_NAMES,
  'gateway',
  'supervisor',
  'load generator',
  ...SERVICE_NAMES.map((s) => `pg:${s}`),
  'pg:bus',
  'pg:other',
];
const byRank = (a: string, b: string) => (ORDER.indexOf(a) + 1 || ORDER.length + 1) - (ORDER.indexOf(b) + 1 || ORDER.length + 1);

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
const delta = (before: Map<string, number> | undefined, after: Map<string, number> | undefined) =>
  after && before ? new Map([...after].map(([key, n]) => [key, Math.max(0, n - (before.get(key) ?? 0))])) : undefined;

interface Snapshot {
  at: number;
  cpu: CpuSnapshot;
  sql: SqlCounters | undefined;
  http: Map<string, number> | undefined;
}

export interface CostProbeOptions extends RunScope {
  dataDir: string;
  bus: 'pgboss' | 'nats';
  /** What the tables' titles and the summary's keys name the run by (default: the bus). */
  label?: string;
  /** For the gateway's `/metrics`, whose public port takes only user tokens. */
  adminToken: string;
  natsNamespace?: string;
  /** How many of the most frequent SQL statements to list per order (0: none). */
  topStatements?: number;
}

type StatementCalls = Awaited<ReturnType<SqlStats['statementCalls']>>;

/**
 * What one confirmed order costs, measured around the checkout bench's window: CPU per process,
 * SQL statements and transactions per database, HTTP requests per process, bus messages per queue;
 * and each process's memory at idle and after the run. A figure the bench cannot read is "n/a";
 * nothing here fails the run.
 */
export class CostProbe {
  readonly #options: CostProbeOptions;
  readonly #sql: SqlStats | undefined;
  readonly #http: ServiceMetrics | undefined;
  readonly #bus: BusMessages | undefined;
  #idleMemory = new Map<string, Memory>();
  #afterMemory = new Map<string, Memory>();
  #before: Snapshot | undefined;
  #after: Snapshot | undefined;
  #busCounts: Map<string, number> | undefined;
  #statementsBefore: StatementCalls;
  #statementsAfter: StatementCalls;

  private constructor(options: CostProbeOptions, sql?: SqlStats, http?: ServiceMetrics, bus?: BusMessages) {
    this.#options = options;
    this.#sql = sql;
    this.#http = http;
    this.#bus = bus;
  }

  static async open(options: CostProbeOptions, warn: (line: string) => void): Promise<CostProbe> {
    const admin = await adminUrlOf(options.dataDir).catch(() => undefined);
    const attempt = async <T>(what: string, open: () => Promise<T>): Promise<T | undefined> =>
      open().catch((error: unknown) => {
        warn(`cost table: ${what} n/a (${(error as Error).message})`);
        return undefined;
      });
    const sql = admin ? await attempt('SQL counters', () => SqlStats.open(admin, options.prefix)) : undefined;
    const http = await attempt('HTTP requests', () => ServiceMetrics.open(options.dataDir, options.adminToken));
    const natsUrl = process.env.NATS_URL;
    const bus =
      options.bus === 'nats'
        ? natsUrl && options.natsNamespace
          ? await attempt('NATS messages', () => natsMessages(natsUrl, options.natsNamespace ?? ''))
          : undefined
        : admin
          ? await attempt('pg-boss jobs', () => pgBossMessages(databaseUrl(admin.url, `${options.prefix}_bus`)))
          : undefined;
    return new CostProbe(options, sql, http, bus);
  }

  /** At idle, after the shop is stocked and the shoppers registered: memory, and the tokens the scrapes need. */
  async idle(): Promise<void> {
    this.#idleMemory = await memoryByProcess(this.#options);
    await this.#http?.snapshot().catch(() => undefined);
  }

  /** The measured window starts. */
  async begin(): Promise<void> {
    const [snapshot] = await Promise.all([this.#snapshot(), this.#bus?.begin().catch(() => undefined)]);
    this.#before = snapshot;
    if (this.#options.topStatements) this.#statementsBefore = await this.#sql?.statementCalls().catch(() => undefined);
  }

  /** The measured window ends. */
  async end(): Promise<void> {
    const [snapshot, busCounts] = await Promise.all([this.#snapshot(), this.#bus?.end().catch(() => undefined)]);
    this.#after = snapshot;
    this.#busCounts = busCounts;
    if (this.#options.topStatements) this.#statementsAfter = await this.#sql?.statementCalls().catch(() => undefined);
  }

  /** The load has stopped (the shoppers finished their last orders). */
  async afterRun(): Promise<void> {
    this.#afterMemory = await memoryByProcess(this.#options);
  }

  async #snapshot(): Promise<Snapshot> {
    const [cpu, sql, http] = await Promise.all([
      cpuSnapshot(this.#options),
      this.#sql?.snapshot().catch(() => undefined),
      this.#http?.snapshot().catch(() => undefined),
    ]);
    return { at: performance.now(), cpu, sql, http };
  }

  /** The three tables, and the CPU the whole run used in the window (the check that the table adds up). */
  report(confirmed: number): { tables: Table[]; summary: Record<string, string> } {
    const bus = this.#options.bus;
    const label = this.#options.label ?? bus;
    const tables: Table[] = [];
    const summary: Record<string, string> = {};
    const { before, after } = { before: this.#before, after: this.#after };
    if (before && after) {
      const cpu = cpuMsBetween(before.cpu, after.cpu);
      const statements = delta(before.sql?.statements, after.sql?.statements);
      const transactions = delta(before.sql?.transactions, after.sql?.transactions);
      const http = delta(before.http, after.http);
      tables.push({
        title: `${label}: cost per confirmed order in the measured window (${confirmed} orders)`,
        rows: this.#costRows(confirmed, cpu, statements, transactions, http),
      });
      const windowMs = after.at - before.at;
      const cores = availableParallelism();
      summary[`${label} CPU used in the window`] =
        `${Math.round((sum(cpu.values()) / windowMs) * 100)}% of ${cores * 100}% (${cores} cores), over ${round(windowMs / 1000, 1)} s`;
    }
    if (this.#bus) {
      const { unit } = this.#bus;
      const counts = this.#busCounts;
      const key = bus === 'nats' ? 'event type' : 'queue';
      const row = (name: string, n: number | undefined): Row => ({
        [key]: name,
        [`${unit}/order`]: n === undefined ? 'n/a' : round(n / confirmed),
        [unit]: n ?? 'n/a',
      });
      const rows = counts
        ? [...[...counts].map(([name, n]) => row(name, n)), row('total', sum(counts.values()))]
        : [row('total', undefined)];
      tables.push({ title: `${label}: bus ${unit} per confirmed order in the measured window`, rows });
    } else {
      summary[`${label} bus messages per order`] = 'n/a';
    }
    const top = this.#topStatementRows(confirmed);
    if (top) tables.push({ title: `${label}: the most frequent SQL statements per confirmed order`, rows: top });
    tables.push({
      title: `${label}: memory per process, MiB (idle: stocked, before the load; after: the load stopped)`,
      rows: this.#memoryRows(),
    });
    return { tables, summary };
  }

  #costRows(
    confirmed: number,
    cpu: Map<string, number>,
    statements: Map<string, number> | undefined,
    transactions: Map<string, number> | undefined,
    http: Map<string, number> | undefined,
  ): Row[] {
    const perOrder = (n: number | undefined) => (n === undefined ? '' : round(n / confirmed));
    const databases = new Set([...(transactions?.keys() ?? []), ...(statements?.keys() ?? [])].map((db) => `pg:${db}`));
    const names = [...new Set([...cpu.keys(), ...(http?.keys() ?? []), ...databases])].sort(byRank);
    const rows: Row[] = names.map((name) => {
      const database = name.startsWith('pg:') && name !== 'pg:other' ? name.slice(3) : undefined;
      const serves = name === 'registry' || name === 'gateway' || (SERVICE_NAMES as readonly string[]).includes(name);
      return {
        process: name,
        'CPU ms/order': perOrder(cpu.get(name) ?? 0),
        'SQL statements/order': database ? (statements ? perOrder(statements.get(database) ?? 0) : 'n/a') : '',
        'transactions/order': database ? (transactions ? perOrder(transactions.get(database) ?? 0) : 'n/a') : '',
        'HTTP requests/order': serves ? (http?.has(name) ? perOrder(http.get(name)) : 'n/a') : '',
      };
    });
    rows.push({
      process: 'total',
      'CPU ms/order': perOrder(sum(cpu.values())),
      'SQL statements/order': statements ? perOrder(sum(statements.values())) : 'n/a',
      'transactions/order': transactions ? perOrder(sum(transactions.values())) : 'n/a',
      'HTTP requests/order': http ? perOrder(sum(http.values())) : 'n/a',
    });
    return rows;
  }

  #topStatementRows(confirmed: number): Row[] | undefined {
    const [before, after, limit] = [this.#statementsBefore, this.#statementsAfter, this.#options.topStatements ?? 0];
    if (!before || !after || limit === 0) return undefined;
    return [...after]
      .map(([key, stat]) => ({ ...stat, calls: stat.calls - (before.get(key)?.calls ?? 0) }))
      .filter((stat) => stat.calls > 0)
      .sort((a, b) => b.calls - a.calls)
      .slice(0, limit)
      .map((stat) => ({
        database: stat.database,
        'calls/order': round(stat.calls / confirmed),
        statement: stat.query.replace(/\s+/g, ' ').slice(0, 110),
      }));
  }

  #memoryRows(): Row[] {
    const idle = this.#idleMemory;
    const after = this.#afterMemory;
    const names = [...new Set([...idle.keys(), ...after.keys()])].sort(byRank);
    const cells = (m: Memory | undefined, when: string) => ({
      [`${when} RSS`]: m ? Math.round(m.rssMiB) : '',
      [`${when} PSS`]: m ? Math.round(m.pssMiB) : '',
    });
    const total = (all: Map<string, Memory>): Memory => ({
      rssMiB: sum([...all.values()].map((m) => m.rssMiB)),
      pssMiB: sum([...all.values()].map((m) => m.pssMiB)),
    });
    const rows: Row[] = names.map((name) => ({ process: name, ...cells(idle.get(name), 'idle'), ...cells(after.get(name), 'after') }));
    // RSS counts shared pages (PostgreSQL's shared buffers, Node's binary) once per process: only the PSS total is the machine's.
    rows.push({ process: 'total (RSS counts shared pages repeatedly)', ...cells(total(idle), 'idle'), ...cells(total(after), 'after') });
    return rows;
  }

  async close(): Promise<void> {
    await Promise.all([this.#sql?.close(), this.#bus?.close()]);
  }
}
