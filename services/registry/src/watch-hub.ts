import type { ServerResponse } from 'node:http';
import type { Instance } from '@mercato/contracts';
import { formatServerSentEvent } from '@mercato/kit';
import type { InstanceChange } from './domain/instance-table.ts';

/** Keep-alive comment interval; well under the watchers' 30 s body timeout. */
const KEEPALIVE_MS = 10_000;

/** The open watch streams (SSE): each gets a snapshot on attach and every change after. */
export class WatchHub {
  readonly #watchers = new Set<ServerResponse>();
  readonly #keepalive: NodeJS.Timeout;
  #closed = false;

  constructor() {
    this.#keepalive = setInterval(() => this.#broadcast(': keepalive\n\n'), KEEPALIVE_MS);
    this.#keepalive.unref();
  }

  attach(response: ServerResponse, instances: Instance[], ttlSeconds: number): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write(formatServerSentEvent('snapshot', { instances, ttlSeconds }));
    this.#watchers.add(response);
    response.on('close', () => this.#watchers.delete(response));
  }

  publish(change: InstanceChange): void {
    this.#broadcast(formatServerSentEvent(change.kind, change.instance));
  }

  get size(): number {
    return this.#watchers.size;
  }

  /** After close(), a new stream would hold the server's close until the drain bound: the route refuses it. */
  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#keepalive);
    for (const watcher of this.#watchers) watcher.end();
    this.#watchers.clear();
  }

  #broadcast(text: string): void {
    for (const watcher of this.#watchers) watcher.write(text);
  }
}
