import { type EventEnvelope, ProductViewed } from '@mercato/contracts';
import { type EventBus, type Logger, type Metrics, type Tracer, uuidv7 } from '@mercato/kit';
import { Counter, Gauge } from 'prom-client';
import { Compile } from 'typebox/compile';

export interface ProductViewsOptions {
  log: Logger;
  metrics: Metrics;
  /** When tracing is on: each view's event carries a producer span under the page request's. */
  tracer?: Tracer;
  /** Views held at most while the bus is slow or away; past it the oldest go (default 10,000, about 2 MB). */
  capacity?: number;
  /** Events per `bus.publish` (default 100). */
  batchSize?: number;
  /** How often the buffer is flushed (default 250 ms): a view reaches recommendations well within API.md's 5 s. */
  intervalMs?: number;
  /** How long `stop()` waits for its last flush (default 1 s): a view lost in a stop is acceptable, a stop that hangs is not. */
  stopTimeoutMs?: number;
}

type DropReason = 'buffer_full' | 'bus_failed' | 'stopped' | 'invalid';

/** One warning line at most this often while the bus fails: a bus away for an hour is not 14,400 lines. */
const WARN_EVERY_MS = 10_000;
/** How long one batch may take to reach the bus. */
const PUBLISH_TIMEOUT_MS = 5_000;

const isViewData = Compile(ProductViewed.data);

/**
 * `storefront.product.viewed.v1`, straight from the gateway to the bus. The gateway owns nothing
 * durable, so there is no outbox: a page request only pushes the view into a bounded in-memory
 * buffer (O(1), never waits), and a background flush hands batches to the bus. When the buffer is
 * full the oldest view goes (the newest say most about what a shopper looks at now); a batch the
 * bus refuses is dropped with a rate-limited warning. Both are counted
 * (`mercato_gateway_views_dropped_total{reason}`). A view lost in a crash is acceptable:
 * recommendations weighs views least, and a shopper's next view makes up for it.
 *
 * The event holds the user id and the product id only; neither is ever logged.
 */
export class ProductViews {
  readonly #log: Logger;
  readonly #tracer: Tracer | undefined;
  readonly #capacity: number;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  readonly #stopTimeoutMs: number;
  readonly #published: Counter;
  readonly #dropped: Counter<'reason'>;
  /** A ring: `#size` views from `#head`, so dropping the oldest costs nothing. */
  readonly #ring: (EventEnvelope | undefined)[];
  #head = 0;
  #size = 0;
  #bus: EventBus | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #flushSoon = false;
  #stopped = false;
  #lastWarn = 0;
  #unwarned = { batches: 0, views: 0 };

  constructor(options: ProductViewsOptions) {
    this.#log = options.log;
    this.#tracer = options.tracer;
    this.#capacity = Math.max(1, options.capacity ?? 10_000);
    this.#batchSize = Math.max(1, options.batchSize ?? 100);
    this.#intervalMs = options.intervalMs ?? 250;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 1_000;
    this.#ring = new Array(this.#capacity);
    const registers = [options.metrics.registry];
    this.#published = new Counter({
      name: 'mercato_gateway_views_published_total',
      help: 'Product page views (storefront.product.viewed.v1) handed to the bus',
      registers,
    });
    this.#dropped = new Counter({
      name: 'mercato_gateway_views_dropped_total',
      help: 'Product page views not published, by reason: buffer_full (oldest dropped), bus_failed, stopped, invalid',
      labelNames: ['reason'] as const,
      registers,
    });
    const views = this;
    new Gauge({
      name: 'mercato_gateway_views_buffered',
      help: 'Product page views waiting in the gateway for the next flush to the bus',
      registers,
      collect() {
        this.set(views.#size);
      },
    });
  }

  /** Starts flushing to `bus`; without one (no NATS_URL, no BUS_DATABASE_URL) views are not published. */
  start(bus: EventBus | undefined): void {
    if (!bus) {
      this.#log.info('no event bus (neither NATS_URL nor BUS_DATABASE_URL): product views are not published');
      return;
    }
    this.#bus = bus;
    this.#timer = setInterval(() => this.#flush(), this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * A signed-in shopper (`userId`) opened the page of `productId` (the catalog's id, never a slug).
   * Called on the request's path: it only builds the envelope and pushes it.
   */
  record(userId: string, productId: string): void {
    if (!this.#bus || this.#stopped) return;
    const data = { userId, productId };
    if (!isViewData.Check(data)) {
      // Not the shopper's doing (a token's subject, a catalog's id): counted, not logged, as the data is personal.
      this.#drop('invalid', 1);
      return;
    }
    const id = uuidv7();
    const envelope: EventEnvelope = {
      id,
      type: ProductViewed.type,
      source: 'gateway',
      time: new Date().toISOString(),
      subject: userId,
      traceparent: this.#traceparent(id),
      data,
    };
    if (this.#size === this.#capacity) {
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#capacity;
      this.#size--;
      this.#drop('buffer_full', 1);
    }
    this.#ring[(this.#head + this.#size) % this.#capacity] = envelope;
    this.#size++;
    // A full batch goes at once rather than at the next tick, but never on the request's own turn.
    if (this.#size >= this.#batchSize && !this.#flushSoon) {
      this.#flushSoon = true;
      setImmediate(() => {
        this.#flushSoon = false;
        this.#flush();
      });
    }
  }

  /** Stops taking views and publishes what is buffered once, within `stopTimeoutMs`; what is left then is dropped. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    if (!this.#bus) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#stopTimeoutMs);
    });
    const last = (async () => {
      await this.#flushing;
      // The batch in flight has settled; one pass over the rest, until the buffer is empty or the bus refuses a batch.
      while (this.#size > 0 && (await this.#publishBatch())) {}
    })();
    const outcome = await Promise.race([last, timedOut]);
    clearTimeout(timer);
    const left = this.#size;
    if (left > 0) {
      this.#drop('stopped', left);
      this.#take(left);
      this.#log.warn({ views: left, timedOut: outcome === 'timeout' }, 'product views left unpublished at stop');
    }
  }

  /** Single flight: while a batch is in flight the buffer fills (and, past its bound, drops) instead. */
  #flush(): void {
    if (this.#flushing || this.#size === 0 || this.#stopped) return;
    this.#flushing = (async () => {
      // A failed batch ends this pass: the rest wait for the next tick, so a bus that is away gets one try per tick.
      while (this.#size > 0 && !this.#stopped && (await this.#publishBatch())) {}
    })().finally(() => {
      this.#flushing = undefined;
    });
  }

  /** Publishes the oldest batch; false when the bus refused it (the batch is dropped). */
  async #publishBatch(): Promise<boolean> {
    const bus = this.#bus;
    const batch = this.#take(this.#batchSize);
    if (!bus || batch.length === 0) return false;
    try {
      await withinBound(bus.publish(batch), PUBLISH_TIMEOUT_MS);
      this.#published.inc(batch.length);
      return true;
    } catch (error) {
      this.#drop('bus_failed', batch.length);
      this.#warnBusFailed(error, batch.length);
      return false;
    }
  }

  #drop(reason: DropReason, views: number): void {
    this.#dropped.inc({ reason }, views);
  }

  #take(n: number): EventEnvelope[] {
    const count = Math.min(n, this.#size);
    const batch: EventEnvelope[] = [];
    for (let i = 0; i < count; i++) {
      const envelope = this.#ring[this.#head];
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#capacity;
      if (envelope) batch.push(envelope);
    }
    this.#size -= count;
    return batch;
  }

  #warnBusFailed(error: unknown, views: number): void {
    this.#unwarned.batches++;
    this.#unwarned.views += views;
    const now = Date.now();
    if (now - this.#lastWarn < WARN_EVERY_MS) return;
    this.#lastWarn = now;
    // The message and code only: a driver's `detail` can quote the values it was given.
    const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
    this.#log.warn(
      { err: { message: String(message ?? error), code }, droppedBatches: this.#unwarned.batches, droppedViews: this.#unwarned.views },
      'product views dropped: the event bus failed (this line repeats at most every 10 s)',
    );
    this.#unwarned = { batches: 0, views: 0 };
  }

  /** A producer span under the page request's, ended at once (the bus hop is the consumer's wait); '' with tracing off. */
  #traceparent(id: string): string {
    if (!this.#tracer) return '';
    const span = this.#tracer.startSpan(`publish ${ProductViewed.type}`, 'producer', {
      attributes: { 'event.type': ProductViewed.type, 'event.id': id },
    });
    span.end();
    return span.traceparent;
  }
}

/**
 * A bus that hangs (a dead connection before TCP gives up) must not stall the flusher for minutes: past
 * the bound the batch counts as failed (it may still arrive; a view is not worth waiting for).
 */
async function withinBound(publishing: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the bus did not take the batch within ${ms} ms`)), ms);
  });
  publishing.catch(() => undefined);
  try {
    await Promise.race([publishing, late]);
  } finally {
    clearTimeout(timer);
  }
}
