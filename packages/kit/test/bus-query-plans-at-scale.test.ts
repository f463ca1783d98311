import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventEnvelope } from '@mercato/contracts';
import { seedInboxHistory } from '../../../bench/lib/history/inbox.ts';
import { installBusMetrics } from '../src/bus/bus-metrics.ts';
import { deadLetterRoutes } from '../src/bus/dead-letters.routes.ts';
import {
  consumerHandler,
  createHttpApp,
  createLogger,
  createMetrics,
  type EventBus,
  Outbox,
  OutboxRelay,
  sql,
  subscription,
} from '../src/index.ts';
import {
  assertReads,
  eventEnvelope,
  indexedPlansOf,
  type PlanRecordingDatabase,
  planRecordingDatabase,
  tableScans,
} from '../src/testing/index.ts';
import { ThingHappened } from './bus/test-events.ts';

// Issue 9: with ten times the order history, no statement on the order path reads a big table whole.
// These are the kit's bus tables every service database has: an inbox of a million handled events
// (a service consuming five events per order over 200,000 orders; ids are UUIDv7, as the outbox makes them), an outbox with a backlog of 20,000
// events (the bus was away for a while) and 10,000 dead letters, a handful of them still open. Every
// statement is the kit's own, run for real, and its plan is the one PostgreSQL chose for the
// parameters it was given (auto_explain, see testing/query-plans.ts).

const HANDLED = 1_000_000;
const BACKLOG = 20_000;
const DEAD_LETTERS = 10_000;
const OPEN_DEAD_LETTERS = 5;

const log = createLogger({ service: 'kit', instance: 'test', level: 'silent' });

let recorder: PlanRecordingDatabase;
let handler: ReturnType<typeof consumerHandler>;
const outbox = new Outbox('orders');
/** What the handler below was given, by `n`. */
const handled: number[] = [];

async function seed(): Promise<void> {
  const db = recorder.database.db;
  // Shared with the checkout bench's `--history` (bench/lib/history/inbox.ts).
  await seedInboxHistory(db, { consumer: 'orders', events: HANDLED, everySeconds: 16, endedSecondsAgo: 0 });
  await sql`
    insert into mercato_outbox (id, subject, envelope, created_at)
    select id, subject, jsonb_build_object('id', id, 'type', ${ThingHappened.type}::text, 'source', 'orders', 'time', now(), 'subject', subject,
                                           'traceparent', '', 'data', jsonb_build_object('n', i)), now() - (${BACKLOG} - i) * interval '10 milliseconds'
    from (select i, md5('outbox' || i)::uuid as id, md5('subject' || (i % 5000)) as subject from generate_series(1, ${BACKLOG}) i) pending`.execute(
    db,
  );
  await sql`
    insert into mercato_dead_letters (consumer, event_id, type, envelope, reason, attempts, failed_at, replayed_at)
    select case when i % 2 = 0 then 'orders' else 'audit' end, md5('dead' || i)::uuid::text, ${ThingHappened.type},
           jsonb_build_object('id', md5('dead' || i)::uuid, 'type', ${ThingHappened.type}::text, 'source', 'cart', 'time', now(), 'subject', 's',
                              'traceparent', '', 'data', jsonb_build_object('n', i)),
           'failed 5 times; last error: boom', 5, now() - (${DEAD_LETTERS} - i) * interval '10 minutes',
           case when i <= ${DEAD_LETTERS - OPEN_DEAD_LETTERS} then now() - (${DEAD_LETTERS} - i) * interval '10 minutes' + interval '1 hour' end
    from generate_series(1, ${DEAD_LETTERS}) i`.execute(db);
  await sql`vacuum analyze`.execute(db);
}

before(async () => {
  recorder = await planRecordingDatabase('bus_plans');
  await seed();
  handler = consumerHandler({
    db: recorder.database.db,
    consumer: 'orders',
    subscription: subscription({
      events: [ThingHappened],
      async handle(event, { tx }) {
        if (event.data.poison) throw new Error('poison');
        handled.push(event.data.n);
        await outbox.publish(tx, ThingHappened, { subject: event.subject, data: { n: event.data.n + 1 } });
      },
    }),
    log,
  });
});

after(async () => {
  await recorder?.drop();
});

describe(`the bus tables with ${HANDLED.toLocaleString('en')} handled events and a backlog of ${BACKLOG.toLocaleString('en')}`, () => {
  it("a consumer's inbox insert tells new events from redelivered ones by the inbox's key alone", async (t) => {
    // An event handled long ago, delivered again.
    const { rows: old } = await sql<{ id: string }>`select event_id as id from mercato_inbox order by handled_at limit 1`.execute(
      recorder.database.db,
    );
    const redelivered = { ...eventEnvelope(ThingHappened, 's', { n: 0 }), id: old[0]?.id ?? assert.fail() };
    const { plans } = await indexedPlansOf(t, recorder, async () => {
      // Deliveries arriving together are handled in one transaction, with one inbox insert (GroupCommit).
      await Promise.all([1, 2, 3, 4].map((n) => handler.handle({ event: eventEnvelope(ThingHappened, `s${n}`, { n }), attempt: 1 })));
      assert.equal(await handler.handleNow(redelivered), 'duplicate');
    });
    assert.deepEqual(handled.sort(), [1, 2, 3, 4]);
    // An insert of values reads no table; its conflict check probes the unique indexes, and the key is the inbox's only one.
    const inserts = plans.filter((p) => p.query.startsWith('insert into mercato_inbox'));
    assert.ok(inserts.length > 0);
    for (const insert of inserts) assert.equal(insert.plan['Conflict Resolution'], 'NOTHING');
    assert.deepEqual(tableScans(inserts), []);
    const { rows } = await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'mercato_inbox'`.execute(
      recorder.database.db,
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      ['mercato_inbox_pkey'],
    );
  });

  it('an invalid event and a last failed attempt go to the dead letters; an operator lists and replays the open ones', async (t) => {
    const app = createHttpApp({ log, metrics: createMetrics({ service: 'kit', instance: 'test' }) });
    deadLetterRoutes(app, recorder.database.db, async () => 'handled');
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      await handler.handle({ event: { id: 'not an event' }, attempt: 1 });
      await handler.handle({ event: eventEnvelope(ThingHappened, 'p', { n: 9, poison: true }), attempt: 5 });
      // `mercato dlq` (GET /internal/dead-letters, POST /internal/dead-letters/{id}/replay).
      const list = await app.inject({ method: 'GET', url: '/internal/dead-letters?limit=20' });
      const items = list.json<{ items: { id: string }[] }>().items;
      assert.equal(items.length, OPEN_DEAD_LETTERS + 2);
      // A page at a time: the next page starts after the last id of the one before.
      const first = (await app.inject({ method: 'GET', url: '/internal/dead-letters?limit=1' })).json<{
        items: { id: string }[];
        nextCursor: string | null;
      }>();
      assert.equal(first.nextCursor, items[0]?.id);
      const rest = await app.inject({ method: 'GET', url: `/internal/dead-letters?limit=20&after=${first.nextCursor}` });
      assert.deepEqual(
        rest.json<{ items: { id: string }[] }>().items.map((i) => i.id),
        items.slice(1).map((i) => i.id),
      );
      assert.equal(rest.json<{ nextCursor: string | null }>().nextCursor, null);
      const replay = await app.inject({ method: 'POST', url: `/internal/dead-letters/${items[0]?.id}/replay` });
      assert.equal(replay.statusCode, 200);
    });
    await app.close();
    assertReads(scans, 'mercato_dead_letters', 'mercato_dead_letters_open');
    assertReads(scans, 'mercato_dead_letters', 'mercato_dead_letters_pkey');
  });

  it("the bus metrics count the outbox's backlog and the open dead letters at each scrape", async (t) => {
    const metrics = createMetrics({ service: 'kit', instance: 'test' });
    installBusMetrics(metrics, recorder.database.pool);
    await indexedPlansOf(t, recorder, () => metrics.registry.metrics(), {
      // The backlog's size and its oldest row's age are questions about every row of the outbox, which
      // holds only events not yet handed to the bus: a few rows but while the bus is away, and then
      // reading them is the measurement itself, once per scrape, never per order. (PostgreSQL counts
      // through the key's index here; the age could come from it too, as the oldest row by seq, were
      // min(created_at) in bus-metrics.ts ever to matter.)
      mercato_outbox: 'the metrics read the whole backlog, which is what they measure',
    });
  });

  it('the outbox relay drains the backlog in commit order, a batch at a time, through the outbox key', async (t) => {
    let published = 0;
    const bus: EventBus = {
      kind: 'pg-boss',
      async publish(events: readonly EventEnvelope[]) {
        published += events.length;
      },
      async subscribe() {},
      async close() {},
    };
    const relay = new OutboxRelay({ pool: recorder.database.pool, connectionString: recorder.url, bus, log });
    const { scans } = await indexedPlansOf(t, recorder, () => relay.flush());
    // The backlog and what the handlers above published.
    assert.equal(published, BACKLOG + 4);
    assertReads(scans, 'mercato_outbox', 'mercato_outbox_pkey');
  });
});
