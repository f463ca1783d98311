import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { streamName } from '@mercato/kit';
import { createTestDatabase } from '@mercato/kit/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type BusFigures, measureBus } from '../lib/bus/measure-bus.ts';
import { benchPostgres } from '../lib/postgres.ts';
import type { Scenario } from '../lib/scenario.ts';

const row = (f: BusFigures) => ({
  adapter: f.adapter,
  'burst events/s': f.throughputEventsPerSecond,
  'events at fixed rate': f.rateEvents,
  'fixed rate /s': f.rateEventsPerSecond,
  'p50 ms': f.rateP50Ms,
  'p99 ms': f.rateP99Ms,
});

/**
 * Outbox insert → committed handler effect in another process, for each adapter: a burst for
 * throughput, then a fixed rate for latency. NATS runs when NATS_URL is set.
 */
export const scenario: Scenario = {
  name: 'bus',
  description: 'events/s and p50/p99 from outbox insert to handler effect, pg-boss and NATS',
  options: '[--burst 10000] [--rate 500] [--seconds 10]',
  async run(args, progress) {
    const { values } = parseArgs({
      args,
      options: {
        burst: { type: 'string', default: '10000' },
        rate: { type: 'string', default: '500' },
        seconds: { type: 'string', default: '10' },
      },
    });
    const shape = { burst: Number(values.burst), rate: Number(values.rate), seconds: Number(values.seconds), progress };
    const postgres = await benchPostgres(progress);
    const rows = [];
    try {
      const busDatabase = await createTestDatabase('bench_bus');
      try {
        rows.push(row(await measureBus({ adapter: 'pg-boss', busEnv: { BUS_DATABASE_URL: busDatabase.url, NATS_URL: '' }, ...shape })));
      } finally {
        await busDatabase.drop();
      }
      const natsUrl = process.env.NATS_URL;
      if (natsUrl) {
        const namespace = `bench_${randomBytes(4).toString('hex')}`;
        try {
          rows.push(row(await measureBus({ adapter: 'nats', busEnv: { NATS_URL: natsUrl, MERCATO_BUS_NAMESPACE: namespace }, ...shape })));
        } finally {
          const nc = await connect({ servers: natsUrl });
          await (await jetstreamManager(nc)).streams.delete(streamName(namespace)).catch(() => undefined);
          await nc.close();
        }
      } else {
        progress('NATS skipped: set NATS_URL (e.g. nats://127.0.0.1:4222) to measure it');
      }
    } finally {
      await postgres.stop();
    }
    return { rows, summary: { 'events per burst': shape.burst, 'fixed rate asked /s': shape.rate } };
  },
};
