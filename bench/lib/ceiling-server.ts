import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/ceiling', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.CEILING_PORT) });
process.send?.({ type: 'mercato:ready' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
