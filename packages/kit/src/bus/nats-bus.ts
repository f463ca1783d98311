import type { EventEnvelope } from '@mercato/contracts';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type DeliveryHandler, type EventBus, retryDelayMs } from './event-bus.ts';
import { PARTITIONS, partitionOf, streamName } from './nats-stream.ts';

/** An unacknowledged delivery (its instance died mid-handler) is redelivered after this. */
const ACK_WAIT_MS = 5_000;

/** `NATS_URL` set: NATS JetStream, one stream for all events, durable pull consumers per service. */
export class NatsBus implements EventBus {
  readonly kind = 'nats' as const;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #log: Logger;
  /** Stream `<NAMESPACE>_EVENTS` holds subjects `<namespace>.ev.<partition>.<type>`. */
  readonly #namespace: string;
  readonly #stream: string;
  readonly #loops: Promise<void>[] = [];
  readonly #stops: (() => void)[] = [];

  private constructor(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, log: Logger, namespace: string) {
    this.#namespace = namespace;
    this.#stream = streamName(namespace);
    this.#nc = nc;
    this.#js = js;
    this.#jsm = jsm;
    this.#log = log;
  }

  static async connect(url: string, log: Logger, options: { name?: string; namespace: string }): Promise<NatsBus> {
    const nc = await connect({ servers: url, name: options.name, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const jsm = await jetstreamManager(nc);
    const stream = streamName(options.namespace);
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams
        .add({
          name: stream,
          subjects: [`${options.namespace}.ev.>`],
          max_age: nanos(7 * 24 * 3600 * 1000),
          duplicate_window: nanos(10 * 60 * 1000),
        })
        .catch(async (error) => {
          // Another process created it first.
          if (!(await jsm.streams.info(stream).catch(() => undefined))) throw error;
        });
    }
    return new NatsBus(nc, jetstream(nc), jsm, log, options.namespace);
  }

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    // Issued in order on one connection, so the stream stores them in order; msgID makes a relay's
    // second publish of the same event (after a crash) a no-op within the duplicate window.
    await Promise.all(
      events.map((event) =>
        this.#js.publish(`${this.#namespace}.ev.${partitionOf(event.subject)}.${event.type}`, JSON.stringify(event), { msgID: event.id }),
      ),
    );
  }

  /** Takes no SubscribeOptions: concurrency is the partition count, one handler at a time per partition, all partitions at once. */
  async subscribe(consumer: string, types: readonly string[], handler: DeliveryHandler): Promise<void> {
    const wanted = new Set(types);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const name = `${consumer}-p${partition}`;
      await this.#ensureConsumer(name, `${this.#namespace}.ev.${partition}.>`);
      this.#loops.push(this.#consumeForever(name, wanted, handler));
    }
  }

  /** `<namespace>.dlq.<consumer>`, outside the stream: for an operator's tools to watch; the record is the consumer's table. */
  deadLettered(consumer: string, event: unknown, reason: string): void {
    try {
      this.#nc.publish(`${this.#namespace}.dlq.${consumer}`, JSON.stringify({ consumer, reason, event }));
    } catch (error) {
      this.#log.debug({ err: error }, 'could not announce a dead letter');
    }
  }

  async close(): Promise<void> {
    for (const stop of this.#stops) stop();
    await Promise.allSettled(this.#loops);
    await this.#nc.drain().catch(() => undefined);
  }

  async #ensureConsumer(name: string, filter: string): Promise<void> {
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      // A consumer gets what is published from its first start on, as a pg-boss queue does.
      deliver_policy: DeliverPolicy.New,
      filter_subject: filter,
      max_ack_pending: 1,
      ack_wait: nanos(ACK_WAIT_MS),
      max_deliver: -1,
    };
    try {
      await this.#jsm.consumers.info(this.#stream, name);
    } catch {
      await this.#jsm.consumers.add(this.#stream, config).catch(async (error) => {
        if (!(await this.#jsm.consumers.info(this.#stream, name).catch(() => undefined))) throw error;
      });
    }
  }

  async #consumeForever(name: string, wanted: Set<string>, handler: DeliveryHandler): Promise<void> {
    let stopped = false;
    let current: { stop(): void } | undefined;
    this.#stops.push(() => {
      stopped = true;
      current?.stop();
    });
    while (!stopped) {
      try {
        const consumer = await this.#js.consumers.get(this.#stream, name);
        // The server hands out one message at a time (max_ack_pending 1); a larger pull saves pull requests.
        const messages = await consumer.consume({ max_messages: 16 });
        current = messages;
        for await (const message of messages) {
          const type = message.subject.split('.').slice(3).join('.'); // <namespace>.ev.<partition>.<type>
          if (!wanted.has(type)) {
            message.ack();
            continue;
          }
          const attempt = message.info.deliveryCount;
          let event: unknown;
          try {
            event = message.json();
          } catch {
            event = message.string(); // not JSON: the consumer dead-letters it as an invalid envelope
          }
          try {
            await handler({ event, attempt });
            message.ack();
          } catch {
            message.nak(retryDelayMs(attempt));
          }
        }
      } catch (error) {
        if (stopped) return;
        this.#log.warn({ err: error, consumer: name }, 'NATS consumer interrupted; resuming');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
}
