import { ItemModel, type ItemModelOptions } from '../../services/recommendations/src/domain/item-model.ts';
import { ProductShelf } from '../../services/recommendations/src/domain/product-shelf.ts';
import { ratio } from '../lib/measure-targets.ts';
import { ceilingQuality, modelQuality, popularityQuality, type Quality, randomQuality } from '../lib/recs/evaluate.ts';
import { feed } from '../lib/recs/feed.ts';
import { splitAt } from '../lib/recs/holdout.ts';
import { httpLatency } from '../lib/recs/http-latency.ts';
import { measureIngest } from '../lib/recs/measure-ingest.ts';
import { mib } from '../lib/recs/memory.ts';
import { parseRecsOptions, USAGE } from '../lib/recs/options.ts';
import { makePopulation } from '../lib/recs/population.ts';
import { Random } from '../lib/recs/random.ts';
import { serviceLatency } from '../lib/recs/service-latency.ts';
import { type DayBatch, simulateDays } from '../lib/recs/sessions.ts';
import type { Scenario, Table } from '../lib/scenario.ts';

/** The ItemModel options tried by `--sweep`, one change from the service's defaults each. */
const SWEEP: { label: string; options: ItemModelOptions }[] = [
  { label: 'halfLifeDays 7', options: { halfLifeDays: 7 } },
  { label: 'halfLifeDays 90', options: { halfLifeDays: 90 } },
  { label: 'historySize 10', options: { historySize: 10 } },
  { label: 'historySize 50', options: { historySize: 50 } },
  { label: 'maxNeighbours 30', options: { maxNeighbours: 30 } },
  { label: 'maxNeighbours 300', options: { maxNeighbours: 300 } },
  { label: 'shrinkage 0', options: { shrinkage: 0 } },
  { label: 'shrinkage 20', options: { shrinkage: 20 } },
];

const qualityRow = (q: Quality, popularity: Quality) => ({
  recommender: q.name,
  shoppers: q.users,
  'HitRate@10': q.hitRate.toFixed(4),
  'NDCG@10': q.ndcg.toFixed(4),
  '× popularity HR': ratio(q.hitRate, popularity.hitRate),
  'catalog shown': `${Math.round(q.coverage * 100)}%`,
  personal: q.personal === undefined ? '' : `${Math.round(q.personal * 100)}%`,
});

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * Offline evaluation of the recommendations model (issue 12) on a synthetic shop, all in-process and
 * the same for a given `--seed`:
 * - quality: the model learns every event before the cutoff; each shopper's answer at the cutoff
 *   (recommend.ts forShopper, as the service answers) is scored by HitRate@10 and NDCG@10 against what
 *   they first bought after it, beside random, popularity and a ceiling that knows the hidden tastes
 *   (how far any model could get on this data; `--noise` sets how much of it is not taste at all);
 * - ingest: ItemModel.apply over every event of a fresh model, events/s and heap;
 * - latency: the compute of forShopper and forProduct over the trained model, without HTTP;
 * - http: the two routes through the gateway on the whole platform, quiet and under a burst of views.
 */
export const scenario: Scenario = {
  name: 'recs',
  description: 'recommendations model offline: HitRate/NDCG@10 vs random and popularity, ingest events/s, memory, answer p50/p99',
  options: USAGE,
  async run(args, progress) {
    const options = parseRecsOptions(args);
    const { population: shape, sessions, cutoff, parts } = options;
    const seed = shape.seed;
    const epoch = sessions.start;
    const population = makePopulation(shape, new Random(seed));
    const shelf = new ProductShelf();
    shelf.replaceAll(population.summaries);
    progress(
      `shop: ${shape.products} products in ${shape.categories} categories, ${shape.groups} taste groups, ${shape.users} shoppers; ~${sessions.events} events over ${sessions.days} days, the last ${options.holdoutDays} held out`,
    );
    // The same seed gives the same days: each part simulates them afresh rather than keeping them all.
    const simulate = () => simulateDays(population, sessions, new Random(seed + 1));

    const tables: Table[] = [];
    const summary: Record<string, string | number> = {};
    let rows: Record<string, string | number>[] = [];

    if (parts.has('ingest')) {
      const f = measureIngest(simulate(), { ...options.model, epoch }, seed, progress);
      const row = {
        events: f.events,
        'apply s': round(f.applySeconds, 2),
        'events/s': Math.round(f.events / f.applySeconds),
        products: f.products,
        shoppers: f.shoppers,
        'model heap MiB': mib(f.modelBytes),
        'heap used MiB': `${mib(f.before.heapUsed)} → ${mib(f.after.heapUsed)}`,
        'heap total MiB': `${mib(f.before.heapTotal)} → ${mib(f.after.heapTotal)}`,
        'RSS MiB': `${mib(f.before.rss)} → ${mib(f.after.rss)}`,
      };
      tables.push({
        title: 'Ingest: ItemModel.apply over every event in time order; memory before → after, each after a forced full GC',
        rows: [row],
      });
      summary['ingest events/s'] = row['events/s'];
      summary['ingest seconds (apply only)'] = row['apply s'];
      summary['model heap MiB (heap used after − before)'] = mib(f.modelBytes);
      summary['model heap bytes per shopper (all of it / shoppers)'] = Math.round(f.modelBytes / f.shoppers);
      summary['RSS MiB after ingest'] = mib(f.after.rss);
    }

    if (parts.has('eval') || parts.has('latency')) {
      progress('simulating the days for the evaluation…');
      const batches: DayBatch[] = [...simulate()];
      const holdout = splitAt(batches, cutoff);
      progress(
        `split: ${holdout.trainEvents} events before the cutoff, ${holdout.testEvents} after; ${holdout.boughtAfter.size} shoppers bought something new after it`,
      );
      const train = (modelOptions: ItemModelOptions) => {
        const model = new ItemModel({ ...modelOptions, epoch });
        feed(model, batches, seed, cutoff);
        return model;
      };
      const model = train(options.model);
      summary['train events'] = holdout.trainEvents;
      summary['held-out shoppers'] = holdout.boughtAfter.size;

      if (parts.has('eval')) {
        progress('evaluating random, popularity, the model and the ceiling…');
        const popularity = popularityQuality(model, holdout, seed, shape.products);
        const chosen = modelQuality('model (forShopper)', model, shelf, holdout, seed, shape.products);
        const qualities = [randomQuality(holdout, seed, shelf, shape.products), popularity, chosen];
        const ceiling = ceilingQuality(population, sessions.noise, holdout, seed);
        rows = [...qualities, ceiling].map((q) => qualityRow(q, popularity));
        summary['HitRate@10 random / popularity / model'] = qualities.map((q) => round(q.hitRate, 4)).join(' / ');
        summary['NDCG@10 random / popularity / model'] = qualities.map((q) => round(q.ndcg, 4)).join(' / ');
        summary['model / popularity HitRate@10'] = ratio(chosen.hitRate, popularity.hitRate);
        summary['model / popularity NDCG@10'] = ratio(chosen.ndcg, popularity.ndcg);
        summary['ceiling / popularity HitRate@10'] = ratio(ceiling.hitRate, popularity.hitRate);
        summary['model / ceiling HitRate@10'] = ratio(chosen.hitRate, ceiling.hitRate);
        summary['aim: model ≥ 2× popularity HitRate@10'] = chosen.hitRate >= 2 * popularity.hitRate ? 'met' : 'NOT met';
        if (options.sweep) {
          const sweepRows = [qualityRow({ ...chosen, name: 'as run' }, popularity)];
          for (const { label, options: change } of SWEEP) {
            progress(`sweep: ${label}…`);
            const variant = train({ ...options.model, ...change });
            sweepRows.push(qualityRow(modelQuality(label, variant, shelf, holdout, seed, shape.products), popularity));
          }
          tables.push({ title: 'Sweep: the model with one ItemModel option changed (same data, same split)', rows: sweepRows });
        }
      }

      if (parts.has('latency')) {
        progress(`timing ${options.calls} forShopper and ${options.calls} forProduct answers…`);
        const latency = serviceLatency(model, shelf, population, options.calls, seed);
        tables.push({
          title: 'Answer compute in-process (recommend.ts over the trained model; no HTTP)',
          rows: latency.map((l) => ({ answer: l.name, calls: l.calls, 'p50 ms': l.p50Ms, 'p99 ms': l.p99Ms, 'max ms': l.maxMs })),
        });
        for (const l of latency) summary[`${l.name} p50 / p99 ms`] = `${l.p50Ms} / ${l.p99Ms}`;
      }
    }
    if (parts.has('http')) {
      const { rows: httpRows, burstSeconds } = await httpLatency(options.http, progress);
      tables.push({
        title: 'Over HTTP through the gateway on the whole platform (demo store), 2 cores shared with every process',
        rows: httpRows,
      });
      for (const r of httpRows)
        if (r.route.startsWith('GET /api/recommendations'))
          summary[`${r.route} (${r.while}) p50 / p99 ms`] = `${r['p50 ms']} / ${r['p99 ms']}`;
      summary['burst of views: seconds'] = Math.round(burstSeconds);
    }
    // Without the evaluation the first table leads.
    if (rows.length === 0) rows = tables.shift()?.rows ?? [];
    return { rows, tables, summary };
  },
};
