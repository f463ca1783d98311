/** Items gathered into one transaction at most; bounded so one commit never waits on too much work. */
const GROUP_MAX = 64;
/** Transactions in flight at once. */
const GROUPS_IN_FLIGHT = 2;

export interface GroupCommitOptions<T, R> {
  /** Runs a group in one transaction: one result per item, in the items' order. */
  commit(items: readonly T[]): Promise<R[]>;
  /**
   * An item whose own transaction failed (alone, or again alone after its group's failed): answers
   * its result, or throws to reject its `submit`. By default its `submit` rejects with the error.
   */
  failed?(item: T, error: unknown): Promise<R>;
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items submitted while a transaction is in flight go together into the next one —
 * one BEGIN/COMMIT (one WAL flush) for the group instead of one each — with at most two
 * transactions in flight. If a group's transaction fails, each of its items runs again in a
 * transaction of its own, so one failure affects only its own item.
 */
export class GroupCommit<T, R> {
  readonly #options: GroupCommitOptions<T, R>;
  readonly #queue: Pending<T, R>[] = [];
  #inFlight = 0;

  constructor(options: GroupCommitOptions<T, R>) {
    this.#options = options;
  }

  /** Resolves with the item's result once its transaction has committed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      // Let items that arrive in this same turn join the group.
      setImmediate(() => this.#drain());
    });
  }

  #drain(): void {
    while (this.#queue.length > 0 && this.#inFlight < GROUPS_IN_FLIGHT) {
      const group = this.#queue.splice(0, GROUP_MAX);
      this.#inFlight += 1;
      void this.#run(group).finally(() => {
        this.#inFlight -= 1;
        this.#drain();
      });
    }
  }

  async #run(group: Pending<T, R>[]): Promise<void> {
    const { commit } = this.#options;
    let results: R[];
    try {
      results = await commit(group.map((g) => g.item));
    } catch (groupError) {
      if (group.length === 1 && group[0]) return this.#failed(group[0], groupError);
      for (const pending of group) {
        try {
          const [result] = await commit([pending.item]);
          pending.resolve(result as R);
        } catch (error) {
          await this.#failed(pending, error);
        }
      }
      return;
    }
    for (const [i, pending] of group.entries()) pending.resolve(results[i] as R);
  }

  async #failed(pending: Pending<T, R>, error: unknown): Promise<void> {
    const { failed } = this.#options;
    if (!failed) return pending.reject(error);
    try {
      pending.resolve(await failed(pending.item, error));
    } catch (failure) {
      pending.reject(failure);
    }
  }
}
