import { Counter, Gauge, type Registry } from 'prom-client';
import type { ProductShelf } from './domain/product-shelf.ts';
import type { Strategy } from './domain/recommend.ts';
import type { ModelFeed } from './model-feed.ts';

/** What this instance's model holds, read when scraped, and the answers it gave by strategy. */
export class RecommendationsMetrics {
  readonly #answers: Counter<'route' | 'strategy'>;

  constructor(registry: Registry, feed: ModelFeed, shelf: ProductShelf) {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    gauge('mercato_recommendations_interactions', 'Interactions this instance’s model has learnt', () => feed.model.interactions);
    gauge('mercato_recommendations_model_products', 'Products the model has seen in an interaction', () => feed.model.products);
    gauge('mercato_recommendations_model_shoppers', 'Shoppers the model knows', () => feed.model.shoppers);
    gauge('mercato_recommendations_shelf_products', 'Listed products this instance may recommend', () => shelf.size);
    this.#answers = new Counter({
      name: 'mercato_recommendations_answers_total',
      help: 'Answers given, by route and by the strategy that produced them',
      labelNames: ['route', 'strategy'] as const,
      registers: [registry],
    });
  }

  answered(route: 'product' | 'me', strategy: Strategy): void {
    this.#answers.inc({ route, strategy });
  }
}
