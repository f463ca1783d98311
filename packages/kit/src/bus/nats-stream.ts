/**
 * How events are laid out on NATS JetStream: the stream's name and the partition of a subject. Apart
 * from `nats-bus.ts` so that what only names the stream (tests, benchmarks) does not load the NATS
 * client, which a process loads only when `NATS_URL` selects it (`connect-bus.ts`).
 */

/**
 * Events are spread over this many partitions by a hash of their subject. Each consumer has one
 * durable pull consumer per partition with one unacknowledged message at a time: FIFO per subject
 * across every instance of the consumer, and partitions run in parallel. Fixed: changing it would
 * reorder events in flight.
 */
export const PARTITIONS = 16;

/** FNV-1a: stable across processes and versions, unlike anything built into the runtime. */
export function partitionOf(subject: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < subject.length; i++) {
    hash ^= subject.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PARTITIONS;
}

/** One stream per namespace: `<NAMESPACE>_EVENTS`. */
export function streamName(namespace: string): string {
  return `${namespace.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_EVENTS`;
}
