// Runs with `npm run test:nats` (CI sets NATS_URL); NATS is not part of a user's `npm test`.
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { streamName } from '../src/index.ts';
import { busContract } from './bus/contract.ts';

const url = process.env.NATS_URL;
if (!url) throw new Error('NATS_URL is not set: the NATS suites need a NATS server with JetStream (CI: nats://127.0.0.1:4222).');
const namespace = `test_${randomBytes(4).toString('hex')}`;

busContract({
  name: 'NATS JetStream',
  env: (natsUrl) => ({ NATS_URL: natsUrl.replace(/^nats:\/\/([^/]+)\/?$/, 'nats://$1'), MERCATO_BUS_NAMESPACE: namespace }),
  url: () => url,
  async setup() {},
  async teardown() {
    const nc = await connect({ servers: url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamName(namespace)).catch(() => undefined);
    await nc.close();
  },
});
