import { defineService, PeriodicTask } from '@mercato/kit';
import { Type } from 'typebox';
import { CatalogSync } from './catalog-sync.ts';
import { ProductShelf } from './domain/product-shelf.ts';
import { recommendationsHandlers } from './handlers.ts';
import { ModelFeed } from './model-feed.ts';
import { RecommendationsMetrics } from './recommendations-metrics.ts';
import { Recommender } from './recommender.ts';
import { recommendationsRoutes } from './routes/recommendations.routes.ts';
import { RecommendationsStore } from './store.ts';

const RecommendationsConfig = Type.Object({
  /** How often this instance applies the changes other instances (and its own consumer) recorded. */
  RECOMMENDATIONS_POLL_MS: Type.Integer({ minimum: 50, maximum: 5_000, default: 500 }),
  /** How often the whole listed catalog is read again (a seed adds products without events). */
  RECOMMENDATIONS_CATALOG_SYNC_MS: Type.Integer({ minimum: 1_000, maximum: 86_400_000, default: 60_000 }),
  /** How often the model is written to the database, when it changed. */
  RECOMMENDATIONS_SNAPSHOT_MS: Type.Integer({ minimum: 1_000, maximum: 86_400_000, default: 60_000 }),
  /** Half-life of what the model learnt, in days. */
  RECOMMENDATIONS_HALF_LIFE_DAYS: Type.Number({ minimum: 0.01, maximum: 3_650, default: 30 }),
});

/** Recommendations: an item-to-item model learnt from views, carts and purchases, answered from memory (ADR 0025). */
export function recommendationsDefinition() {
  return defineService({
    name: 'recommendations',
    config: RecommendationsConfig,
    migrations: new URL('./migrations/', import.meta.url),
    discovery: true,
    setup({ database, log, config, serviceClient, metrics }) {
      const store = new RecommendationsStore(database.db);
      const shelf = new ProductShelf();
      const feed = new ModelFeed(store, shelf, { halfLifeDays: config.RECOMMENDATIONS_HALF_LIFE_DAYS }, log);
      const catalog = new CatalogSync(serviceClient(), shelf, log);
      const polling = new PeriodicTask(() => feed.poll().catch((error) => log.error({ err: error }, 'cannot read model changes')));
      const syncing = new PeriodicTask(() => catalog.syncAll().catch((error) => log.warn({ err: error }, 'cannot read the catalog')));
      const snapshots = new PeriodicTask(() =>
        feed.snapshot().catch((error) => log.error({ err: error }, 'cannot write a model snapshot')),
      );
      const firstSync: { timer?: NodeJS.Timeout } = {};
      const counters = new RecommendationsMetrics(metrics.registry, feed, shelf);
      return {
        store,
        feed,
        recommender: new Recommender(feed, shelf, catalog, log),
        polling,
        syncing,
        snapshots,
        shelf,
        firstSync,
        counters,
      };
    },
    subscriptions: ({ store }) => recommendationsHandlers(store),
    routes(app, { recommender, counters }) {
      recommendationsRoutes(app, recommender, counters);
    },
    // Ready once the model has every change recorded before it started and the catalog has been read.
    readiness: async ({ feed, shelf }) => ({ ok: feed.caughtUp && shelf.synced, body: { model: feed.caughtUp, catalog: shelf.synced } }),
    async beforeListen({ feed, polling, syncing, snapshots, shelf, firstSync }, { config }) {
      await feed.load();
      await feed.poll();
      polling.start(config.RECOMMENDATIONS_POLL_MS);
      snapshots.start(config.RECOMMENDATIONS_SNAPSHOT_MS);
      syncing.start(config.RECOMMENDATIONS_CATALOG_SYNC_MS);
      // The catalog may start after this service (then this one is not ready), and on a first start the demo
      // store is seeded after every service is ready, without events: ask every second until it has products.
      // (For two minutes at most: a shop without products gets them through catalog events, or the next periodic read.)
      const until = Date.now() + 120_000;
      firstSync.timer = setInterval(() => {
        if ((shelf.synced && shelf.size > 0) || Date.now() > until) clearInterval(firstSync.timer);
        else void syncing.run();
      }, 1_000);
      firstSync.timer.unref();
      await syncing.run();
    },
    async onStop({ polling, syncing, snapshots, feed, firstSync }) {
      clearInterval(firstSync.timer);
      await Promise.all([polling.stop(), syncing.stop(), snapshots.stop()]);
      await feed.snapshot().catch(() => undefined);
    },
  });
}
