import assert from 'node:assert/strict';
import type { EventDefinition, EventEnvelope } from '@mercato/contracts';
import type { Static, TSchema } from 'typebox';
import { uuidv7 } from '../bus/uuid-v7.ts';
import { type AnySchema, connectDatabase, type Database, migrate } from '../database.ts';
import { createTestDatabase } from './test-database.ts';

/** A node of a plan as PostgreSQL writes it in JSON (EXPLAIN (FORMAT JSON), auto_explain.log_format = json). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  /** A ModifyTable node's: Insert, Update, Delete. */
  Operation?: string;
  /** An INSERT … ON CONFLICT's: NOTHING or UPDATE. */
  'Conflict Resolution'?: string;
  Plans?: PlanNode[];
}

/** One statement as PostgreSQL ran it, with the plan it chose for the parameters it was given. */
export interface CapturedPlan {
  query: string;
  plan: PlanNode;
}

/** A scan of a table the plan reads, with the index it uses (none for a sequential scan). */
export interface TableScan {
  table: string;
  node: string;
  index: string | undefined;
  query: string;
}

/**
 * auto_explain, loaded into every connection of a recorder's pool, sends the plan of each statement
 * the connection runs back to it as a NOTICE (JSON) — nested ones too: triggers' statements, foreign
 * key checks, SQL in functions. So a test records the plans of the very statements a store method
 * runs, with the parameters it binds, instead of EXPLAINing copies of them that can drift.
 * `session_preload_libraries` is a superuser setting: the test server's user is one (`npm test`'s
 * embedded PostgreSQL, or DATABASE_URL's), and auto_explain ships with PostgreSQL's contrib modules.
 */
const AUTO_EXPLAIN = {
  session_preload_libraries: 'auto_explain',
  'auto_explain.log_min_duration': '0',
  'auto_explain.log_level': 'notice',
  'auto_explain.log_format': 'json',
  'auto_explain.log_nested_statements': 'on',
};

export interface PlanRecorder {
  /** A pool (and its Kysely) whose every statement's plan is recorded; hand it to the stores under test. */
  database: Database<AnySchema>;
  /** Runs `work` and returns the plans of every statement it ran on `database`, in order. */
  plansOf(work: () => Promise<unknown>): Promise<CapturedPlan[]>;
  close(): Promise<void>;
}

/** A recorder on the database at `url` (see AUTO_EXPLAIN for what it needs of the server). */
export async function recordPlans(url: string): Promise<PlanRecorder> {
  const withExplain = new URL(url);
  withExplain.searchParams.set(
    'options',
    Object.entries(AUTO_EXPLAIN)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' '),
  );
  const database = connectDatabase<AnySchema>(withExplain.toString(), { max: 4, applicationName: 'plan-recorder' });
  let current: CapturedPlan[] | undefined;
  database.pool.on('connect', (client) => {
    client.on('notice', (notice) => {
      // "duration: 0.123 ms  plan:\n{…}": the JSON follows the first line.
      const json = notice.message?.slice(notice.message.indexOf('\n') + 1);
      if (!current || !json?.startsWith('{')) return;
      const { 'Query Text': query, Plan: plan } = JSON.parse(json) as { 'Query Text': string; Plan: PlanNode };
      current.push({ query: query.replace(/\s+/g, ' ').trim(), plan });
    });
  });
  try {
    await database.pool.query("select 1 where current_setting('auto_explain.log_level') = 'notice'");
  } catch (error) {
    await database.close();
    throw new Error(
      `cannot load auto_explain into test connections (${(error as Error).message}); the test PostgreSQL needs its contrib modules and a superuser`,
    );
  }
  return {
    database,
    async plansOf(work) {
      if (current) throw new Error('plansOf() is already recording');
      current = [];
      try {
        await work();
        return current;
      } finally {
        current = undefined;
      }
    },
    close: () => database.close(),
  };
}

/** Every scan of a table in `plans` (sequential, index, index-only, bitmap), depth first. */
export function tableScans(plans: readonly CapturedPlan[]): TableScan[] {
  const scans: TableScan[] = [];
  const walk = (node: PlanNode, query: string) => {
    const table = node['Relation Name'];
    // Modify nodes (Insert, Update, Delete) name their table too, but read it through the scans below them.
    if (table && node['Node Type'] !== 'ModifyTable') {
      // A bitmap heap scan reads the table through the bitmap index scans below it (several under a BitmapAnd/Or).
      const index = node['Node Type'] === 'Bitmap Heap Scan' ? bitmapIndexesOf(node).join(' + ') : node['Index Name'];
      scans.push({ table, node: node['Node Type'], index, query });
    }
    for (const child of node.Plans ?? []) walk(child, query);
  };
  for (const { query, plan } of plans) walk(plan, query);
  return scans;
}

function bitmapIndexesOf(node: PlanNode): string[] {
  if (node['Node Type'] === 'Bitmap Index Scan') return node['Index Name'] ? [node['Index Name']] : [];
  return (node.Plans ?? []).flatMap(bitmapIndexesOf);
}

/**
 * The sequential scans in `plans`, but for the tables `allowed` names: a table that is small by
 * nature, read whole on purpose; the value says why, so the exception reads as an argument.
 */
export function sequentialScans(plans: readonly CapturedPlan[], allowed: Readonly<Record<string, string>> = {}): TableScan[] {
  return tableScans(plans).filter((scan) => scan.node === 'Seq Scan' && !(scan.table in allowed));
}

/** Fails when a statement reads a table whole (but for those `allowed`, see `sequentialScans`); returns every table read. */
export function assertNoSequentialScans(plans: readonly CapturedPlan[], allowed: Readonly<Record<string, string>> = {}): TableScan[] {
  assert.deepEqual(describeScans(sequentialScans(plans, allowed)), [], 'a statement reads a whole table');
  return tableScans(plans);
}

/** Fails unless some statement read `table` through `index`. */
export function assertReads(scans: readonly TableScan[], table: string, index: string): void {
  assert.ok(
    scans.some((s) => s.table === table && s.index === index),
    `expected ${table} read through ${index}; saw:\n${describeScans(scans.filter((s) => s.table === table)).join('\n') || 'no read of it'}`,
  );
}

/** A line per table read: how, and by which statement (for a failing assertion). */
export function describeScans(scans: readonly TableScan[]): string[] {
  const lines = scans.map((s) => `${s.node}${s.index ? ` using ${s.index}` : ''} on ${s.table} ← ${s.query.slice(0, 160)}`);
  return [...new Set(lines)];
}

/** A line per distinct statement: the tables it reads and how, or that it reads none (an insert of values). */
export function describePlans(plans: readonly CapturedPlan[]): string[] {
  const lines = new Map<string, string>();
  for (const captured of plans) {
    const reads = [...new Set(tableScans([captured]).map((s) => `${s.node}${s.index ? ` using ${s.index}` : ''} on ${s.table}`))];
    const how = reads.length > 0 ? reads.join(', ') : `${captured.plan.Operation ?? captured.plan['Node Type']}, reads no table`;
    // One line per statement and plan; the statement shortened only for reading.
    lines.set(`${captured.query} → ${how}`, `${captured.query.slice(0, 150)} → ${how}`);
  }
  return [...lines.values()];
}

/**
 * The plans of `work`'s statements, each listed in the test's diagnostics; fails on a sequential scan
 * but for the tables `allowed` names (see `sequentialScans`).
 */
export async function indexedPlansOf(
  t: { diagnostic(line: string): void },
  recorder: PlanRecorder,
  work: () => Promise<unknown>,
  allowed: Readonly<Record<string, string>> = {},
): Promise<{ plans: CapturedPlan[]; scans: TableScan[] }> {
  const plans = await recorder.plansOf(work);
  for (const line of describePlans(plans)) t.diagnostic(line);
  return { plans, scans: assertNoSequentialScans(plans, allowed) };
}

/**
 * A fresh test database with a service's schema (the kit's bus tables, then `migrations`), and a
 * recorder of its statements' plans; `drop()` closes the recorder and drops the database.
 */
export interface PlanRecordingDatabase extends PlanRecorder {
  /** The test database's own URL, for what connects by itself (a LISTEN client). */
  url: string;
  drop(): Promise<void>;
}

export async function planRecordingDatabase(label: string, migrations?: URL): Promise<PlanRecordingDatabase> {
  const database = await createTestDatabase(label);
  const recorder = await recordPlans(database.url).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  await migrateServiceSchema(recorder.database, migrations);
  return {
    ...recorder,
    url: database.url,
    async drop() {
      await recorder.close();
      await database.drop();
    },
  };
}

/** The kit's bus tables (outbox, inbox, dead letters), then the service's: the schema `createService` gives a service's database. */
export async function migrateServiceSchema(database: Database<AnySchema>, migrations?: URL): Promise<void> {
  await migrate(database.db, new URL('../bus/migrations/', import.meta.url), { table: 'mercato_kit_migration' });
  if (migrations) await migrate(database.db, migrations);
}

/** An event as the bus delivers it, for a consumer's handler: a fresh id, now, no trace. */
export function eventEnvelope<T extends string, S extends TSchema>(
  definition: EventDefinition<T, S>,
  subject: string,
  data: Static<S>,
): EventEnvelope<Static<S>> {
  return { id: uuidv7(), type: definition.type, source: 'test', time: new Date().toISOString(), subject, traceparent: '', data };
}
