import { type AnySchema, connectDatabase, type Database, DataCipher, type Kysely, sql } from '@mercato/kit';
import { seedInboxHistory } from './history/inbox.ts';
import { seedReservationHistory } from './history/inventory.ts';
import { seedOrderHistory } from './history/orders.ts';
import { seedPaymentHistory } from './history/payments.ts';
import type { Table } from './scenario.ts';
import { adminUrlOf, databaseUrl } from './sql-stats.ts';

/** Seconds between two orders of the history (the query-plan tests' spacing: 200,000 orders span 185 days). */
const ORDER_EVERY_SECONDS = 80;
/** Orders per shopper of the history. */
const ORDERS_PER_USER = 10;
/** Stock rows the reservations' lines draw from (`SKU-0` …; the bench's own products are `BENCH-…`). */
const SKUS = 5_000;
/** Under the 48 h the saga sweeper keeps them: it has nothing of the history to forget during a run. */
const KEYS_OVER_HOURS = 47;
/** The newest order of the history was placed this long before the seeding: it has settled, as every other. */
const ENDED_SECONDS_AGO = 3_600;
/**
 * Handled events per order of the history, by consumer: five in all (the 1M for 200,000
 * orders), shared as the bus delivers them per checkout: orders gets the four replies, inventory and
 * payments two commands each (the checkout bench's bus table: about 4, 2 and 2 jobs per order).
 */
const INBOX_PER_ORDER = { orders: 2.5, inventory: 1.25, payments: 1.25 };
/** The tables seeded, by service database, for the report. */
const TABLES = {
  orders: ['orders', 'idempotency_keys', 'cart_claims', 'mercato_inbox'],
  inventory: ['stock', 'reservations', 'reservation_lines', 'mercato_inbox'],
  payments: ['payment_intents', 'payment_ledger', 'sandbox_provider_calls', 'mercato_inbox'],
} as const;
type Service = keyof typeof TABLES;

const ADDRESS = { line1: '1 History Lane', city: 'Springfield', postalCode: '12345', country: 'US' };

export interface SeededHistory {
  orders: number;
  seconds: number;
  /** Rows per table after seeding, by service database. */
  table: Table;
  /** The seeded rows of the inboxes together. */
  inboxRows: number;
}

/**
 * Fills a running platform's orders, inventory and payments databases (migrated by `mercato up`,
 * before any shopper) with the history of `orders` settled orders — the statements the query-plan
 * tests seed with (bench/lib/history/) — then `vacuum analyze`s them: the store of issue 9 ("10× the
 * order history"). Every row is in the past and final, so the sweepers and the payment worker find
 * nothing of it to do. `dataKey` is the platform's MERCATO_DATA_KEY, for the orders' addresses.
 */
export async function seedOrderHistoryInto(
  where: { dataDir: string; prefix: string },
  orders: number,
  dataKey: string,
  progress: (line: string) => void,
): Promise<SeededHistory> {
  const admin = await adminUrlOf(where.dataDir);
  const open = (service: Service): Database<AnySchema> =>
    connectDatabase<AnySchema>(databaseUrl(admin.url, `${where.prefix}_${service}`), { max: 1, applicationName: 'mercato-bench-history' });
  const databases = { orders: open('orders'), inventory: open('inventory'), payments: open('payments') };
  const inbox = (db: Kysely<AnySchema>, consumer: Service) => {
    const events = Math.round(orders * INBOX_PER_ORDER[consumer]);
    return seedInboxHistory(db, {
      consumer,
      events,
      everySeconds: (orders * ORDER_EVERY_SECONDS) / events,
      endedSecondsAgo: ENDED_SECONDS_AGO,
    });
  };
  const started = performance.now();
  progress(`seeding a history of ${orders.toLocaleString('en')} orders into the orders, inventory and payments databases…`);
  try {
    // One connection per database, the three side by side.
    await Promise.all([
      (async () => {
        const { db } = databases.orders;
        await seedOrderHistory(db, {
          orders,
          users: Math.max(1, Math.round(orders / ORDERS_PER_USER)),
          shippingAddressEnc: new DataCipher([dataKey]).encrypt(JSON.stringify(ADDRESS)),
          keysOverHours: KEYS_OVER_HOURS,
        });
        await inbox(db, 'orders');
        await sql`vacuum analyze`.execute(db);
      })(),
      (async () => {
        const { db } = databases.inventory;
        await seedReservationHistory(db, { reservations: orders, skus: SKUS });
        await inbox(db, 'inventory');
        await sql`vacuum analyze`.execute(db);
      })(),
      (async () => {
        const { db } = databases.payments;
        await seedPaymentHistory(db, { intents: orders });
        await inbox(db, 'payments');
        await sql`vacuum analyze`.execute(db);
      })(),
    ]);
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const rows: Record<string, string | number>[] = [];
    let inboxRows = 0;
    for (const service of Object.keys(TABLES) as Service[]) {
      for (const table of TABLES[service]) {
        const { rows: counted } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(databases[service].db);
        const n = Number(counted[0]?.n ?? 0);
        if (table === 'mercato_inbox') inboxRows += n;
        rows.push({ database: service, table, rows: n });
      }
    }
    progress(`history seeded in ${seconds} s (vacuum analyze included)`);
    return {
      orders,
      seconds,
      inboxRows,
      table: { title: `history: rows in the run's databases before the shoppers (seeded and vacuum-analyzed in ${seconds} s)`, rows },
    };
  } finally {
    await Promise.all(Object.values(databases).map((database) => database.close()));
  }
}
