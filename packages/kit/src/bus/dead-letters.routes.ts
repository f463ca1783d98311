import { type Kysely, sql } from 'kysely';
import { Type } from 'typebox';
import type { AnySchema } from '../database.ts';
import type { HttpApp } from '../http-app.ts';
import { CommonProblems, HttpProblem } from '../problem.ts';

export interface DeadLetterRow {
  id: string;
  consumer: string;
  event_id: string | null;
  type: string | null;
  envelope: unknown;
  reason: string;
  attempts: number;
  failed_at: Date;
}

/**
 * `GET /internal/dead-letters` lists the events this service's consumers gave up on, oldest first, a
 * page at a time (`after` = the previous page's `nextCursor`);
 * `POST /internal/dead-letters/{id}/replay` runs the handler on one again (the inbox still prevents a
 * second effect) and marks it replayed on success. `mercato dlq` calls these.
 */
export function deadLetterRoutes(
  app: HttpApp,
  db: Kysely<AnySchema>,
  replay: (consumer: string, envelope: unknown) => Promise<string>,
): void {
  app.get(
    '/internal/dead-letters',
    {
      schema: {
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
            /** The previous page's nextCursor: letters after that id. */
            after: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { limit, after = '0' } = request.query;
      const { rows } = await sql<DeadLetterRow>`select id, consumer, event_id, type, envelope, reason, attempts, failed_at
        from mercato_dead_letters where replayed_at is null and id > ${after}::bigint order by id limit ${limit}`.execute(db);
      return {
        items: rows.map((r) => ({
          id: String(r.id),
          consumer: r.consumer,
          eventId: r.event_id,
          type: r.type,
          reason: r.reason,
          attempts: r.attempts,
          failedAt: r.failed_at,
          envelope: r.envelope,
        })),
        nextCursor: rows.length === limit ? String(rows.at(-1)?.id) : null,
      };
    },
  );
  app.post(
    '/internal/dead-letters/:id/replay',
    { schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) }, { additionalProperties: false }) } },
    async (request) => {
      const { id } = request.params;
      const { rows } =
        await sql<DeadLetterRow>`select id, consumer, envelope from mercato_dead_letters where id = ${id} and replayed_at is null`.execute(
          db,
        );
      const row = rows[0];
      if (!row) throw new HttpProblem(CommonProblems.notFound, `No open dead letter ${id}.`);
      let outcome: string;
      try {
        outcome = await replay(row.consumer, row.envelope);
      } catch (error) {
        throw new HttpProblem(
          CommonProblems.conflict,
          `Replaying dead letter ${id} failed again: ${(error as Error)?.message ?? String(error)}`,
        );
      }
      await sql`update mercato_dead_letters set replayed_at = now() where id = ${id}`.execute(db);
      return { id, outcome };
    },
  );
}
