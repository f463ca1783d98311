import { type Population, tasteOf } from './population.ts';
import type { Random } from './random.ts';

export const KINDS = ['view', 'cart', 'purchase'] as const;
export const VIEW = 0;
export const CART = 1;
export const PURCHASE = 2;

/** One simulated day's events in time order, as columns (a million events stay a few tens of MB). */
export interface DayBatch {
  day: number;
  length: number;
  users: Int32Array;
  products: Int32Array;
  kinds: Uint8Array;
  at: Float64Array;
}

export interface SessionShape {
  /** Events wanted over all days; sessions per shopper-day are set from it. */
  events: number;
  days: number;
  /** Epoch ms of the first day's midnight. */
  start: number;
  /** Chance that a view comes from the shop's popularity rather than the session's taste group. */
  noise: number;
}

const DAY_MS = 86_400_000;
/** After each view another follows with this chance: 6 views a session on average. */
const NEXT_VIEW = 5 / 6;
/** A viewed product goes to the cart with this chance, and a carted one is bought at the session's end with the next. */
const CART_RATE = 0.2;
const PURCHASE_RATE = 0.5;
const EVENTS_PER_SESSION = (1 / (1 - NEXT_VIEW)) * (1 + CART_RATE + CART_RATE * PURCHASE_RATE);

/**
 * Shopping sessions, day by day: each shopper starts Poisson(activity × rate) sessions a day; a session
 * follows one of the shopper's taste groups (with `noise` views from the shop's popularity instead),
 * 20–120 s between views, carts a few seconds after their view, purchases a minute after the last view.
 */
export function* simulateDays(population: Population, shape: SessionShape, random: Random): Generator<DayBatch> {
  const users = population.shape.users;
  const sessionsPerUserDay = shape.events / EVENTS_PER_SESSION / users / shape.days;
  for (let day = 0; day < shape.days; day++) {
    const dayStart = shape.start + day * DAY_MS;
    const eventUsers: number[] = [];
    const eventProducts: number[] = [];
    const eventKinds: number[] = [];
    const eventAt: number[] = [];
    const push = (u: number, p: number, kind: number, at: number) => {
      eventUsers.push(u);
      eventProducts.push(p);
      eventKinds.push(kind);
      eventAt.push(at);
    };
    for (let u = 0; u < users; u++) {
      const sessions = random.poisson((population.activity[u] as number) * sessionsPerUserDay);
      for (let s = 0; s < sessions; s++) {
        const group = population.groups[tasteOf(population, u, random)];
        let at = dayStart + random.next() * (DAY_MS - 3_600_000);
        const carted: number[] = [];
        do {
          const p = group && !random.chance(shape.noise) ? group.draw(random) : population.popularity.draw(random);
          push(u, p, VIEW, at);
          if (random.chance(CART_RATE)) {
            push(u, p, CART, at + 5_000 + random.int(25_000));
            carted.push(p);
          }
          at += 20_000 + random.int(100_000);
        } while (random.chance(NEXT_VIEW));
        for (const p of carted) if (random.chance(PURCHASE_RATE)) push(u, p, PURCHASE, at + 60_000);
      }
    }
    const order = Array.from({ length: eventAt.length }, (_, k) => k).sort((a, b) => (eventAt[a] as number) - (eventAt[b] as number));
    yield {
      day,
      length: order.length,
      users: Int32Array.from(order, (k) => eventUsers[k] as number),
      products: Int32Array.from(order, (k) => eventProducts[k] as number),
      kinds: Uint8Array.from(order, (k) => eventKinds[k] as number),
      at: Float64Array.from(order, (k) => eventAt[k] as number),
    };
  }
}
