import pg from 'pg';

export interface ListenerOptions {
  connectionString: string;
  /** The channel a transaction's `pg_notify` names. */
  channel: string;
  /** How the connection shows in `pg_stat_activity`. */
  applicationName: string;
  /** Called with the notification's payload (empty when the sender gave none). */
  onNotify: (payload: string) => void;
  /**
   * Runs on each new connection before it listens (the outbox relay takes its advisory lock there, which
   * lives and dies with the connection); false gives that connection up.
   */
  prepare?: (client: pg.Client) => Promise<boolean>;
}

/**
 * LISTEN on a connection of its own (a pooled one would serve other queries between notifications).
 * A dropped connection is forgotten and opened again: by the next `connect()`, or on its own after
 * `keepListening()`. Nothing is heard in between, so every user keeps a poll under it.
 */
export class Listener {
  readonly #options: ListenerOptions;
  #client: pg.Client | undefined;
  #closed = false;
  #keep: { retryMs: number; onListening: () => void; onFailure: (error: unknown) => void } | undefined;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: ListenerOptions) {
    this.#options = options;
  }

  /** Opens the connection unless it is open: true once it listens, false when `prepare` gave it up. Throws when it cannot connect. */
  async connect(): Promise<boolean> {
    if (this.#client) return true;
    if (this.#closed) return false;
    const { connectionString, applicationName, channel, prepare, onNotify } = this.#options;
    const client = new pg.Client({ connectionString, application_name: applicationName });
    const dropped = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.end().catch(() => undefined);
      this.#reconnectLater();
    };
    client.on('error', dropped);
    client.on('end', dropped);
    client.on('notification', (message) => onNotify(message.payload ?? ''));
    try {
      await client.connect();
      if (prepare && !(await prepare(client))) {
        await client.end();
        return false;
      }
      await client.query(`listen ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      // Closed while this connection was opening.
      await client.end().catch(() => undefined);
      return false;
    }
    this.#client = client;
    return true;
  }

  /**
   * Listens from now on: connects now, and again `retryMs` after a failed connect or a dropped
   * connection. `onListening` runs each time it starts listening (what committed while it was not
   * listening was not heard); `onFailure` when a connect fails.
   */
  async keepListening(retryMs: number, events: { onListening: () => void; onFailure: (error: unknown) => void }): Promise<void> {
    this.#keep = { retryMs, ...events };
    await this.#attempt();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #attempt(): Promise<void> {
    try {
      if (await this.connect()) this.#keep?.onListening();
    } catch (error) {
      this.#keep?.onFailure(error);
      this.#reconnectLater();
    }
  }

  #reconnectLater(): void {
    if (!this.#keep || this.#closed) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#attempt(), this.#keep.retryMs);
    this.#retry.unref();
  }
}
