import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  TransactionSettings,
} from 'kysely';

/** What a transaction running on a connection asked to do once it commits. */
const pending = new WeakMap<DatabaseConnection, (() => void)[]>();

/**
 * Runs `effect` once the transaction `db` belongs to has committed, and never if it rolls back: for
 * what must happen once per committed fact and cannot be undone — counting a business metric, say.
 * A handler's transaction can roll back after the handler ran (a consumer's group fails because of
 * another event and each event runs again alone; the COMMIT itself fails), so counting inside it
 * would count a retried fact twice. Outside a transaction (`db` is the pool) the statement already
 * committed: `effect` runs at once, as it does for a transaction not opened by a Kysely from
 * `connectDatabase` (nothing would ever run it otherwise). An effect that throws is logged nowhere
 * and stops nothing: the transaction is committed by then.
 */
export async function afterCommit(db: Kysely<unknown>, effect: () => void): Promise<void> {
  if (!db.isTransaction) return runEffects([effect]);
  await db.getExecutor().provideConnection(async (connection) => {
    const effects = pending.get(connection);
    if (effects) effects.push(effect);
    else runEffects([effect]);
  });
}

function runEffects(effects: readonly (() => void)[]): void {
  for (const effect of effects) {
    try {
      effect();
    } catch {
      // The transaction committed; an effect's failure must not make its caller believe otherwise.
    }
  }
}

/** The driver `afterCommit` needs: it opens a list of effects at BEGIN and runs it after a successful COMMIT. */
class AfterCommitDriver implements Driver {
  readonly #driver: Driver;
  constructor(driver: Driver) {
    this.#driver = driver;
  }
  init(...args: Parameters<Driver['init']>) {
    return this.#driver.init(...args);
  }
  acquireConnection(...args: Parameters<Driver['acquireConnection']>) {
    return this.#driver.acquireConnection(...args);
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // A transaction that ended without a ROLLBACK (Kysely skips it after an aborted one) leaves nothing behind.
    pending.set(connection, []);
    await this.#driver.beginTransaction(connection, settings);
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#driver.commitTransaction(connection);
    } catch (error) {
      pending.delete(connection);
      throw error;
    }
    const effects = pending.get(connection) ?? [];
    pending.delete(connection);
    runEffects(effects);
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    pending.delete(connection);
    await this.#driver.rollbackTransaction(connection);
  }
  savepoint(...args: Parameters<NonNullable<Driver['savepoint']>>) {
    if (!this.#driver.savepoint) throw new Error('savepoints are not supported by this driver');
    return this.#driver.savepoint(...args);
  }
  rollbackToSavepoint(...args: Parameters<NonNullable<Driver['rollbackToSavepoint']>>) {
    if (!this.#driver.rollbackToSavepoint) throw new Error('savepoints are not supported by this driver');
    return this.#driver.rollbackToSavepoint(...args);
  }
  releaseSavepoint(...args: Parameters<NonNullable<Driver['releaseSavepoint']>>) {
    if (!this.#driver.releaseSavepoint) throw new Error('savepoints are not supported by this driver');
    return this.#driver.releaseSavepoint(...args);
  }
  releaseConnection(...args: Parameters<Driver['releaseConnection']>) {
    return this.#driver.releaseConnection(...args);
  }
  destroy(...args: Parameters<Driver['destroy']>) {
    return this.#driver.destroy(...args);
  }
}

/** `dialect` with transactions that run their `afterCommit` effects once committed. */
export function withAfterCommit(dialect: Dialect): Dialect {
  return {
    createDriver: (): Driver => new AfterCommitDriver(dialect.createDriver()),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
    createAdapter: (): DialectAdapter => dialect.createAdapter(),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => dialect.createIntrospector(db),
  };
}
