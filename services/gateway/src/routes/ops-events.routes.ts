import { CommonProblems, type HttpApp, HttpProblem } from '@mercato/kit';
import { Type } from 'typebox';
import { decodeEventCursor, encodeEventCursor, type OpsEvents } from '../ops-events.ts';

const EventsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

/**
 * `GET /api/ops/events` (API.md "Health and operations"), admin only: what the platform did or
 * noticed by itself, newest first, in the list shape. The gateway's alert evaluation records
 * `alert_firing` and `alert_resolved`; self-healing and the autoscaler record into the same store.
 */
export function opsEventRoutes(app: HttpApp, events: OpsEvents): void {
  app.get('/api/ops/events', { config: { access: 'admin' }, schema: { querystring: EventsQuery } }, async (request) => {
    const { limit, cursor } = request.query;
    const before = cursor === undefined ? undefined : decodeEventCursor(cursor);
    if (cursor !== undefined && before === undefined) {
      throw new HttpProblem(CommonProblems.validation, 'Pass back a nextCursor this listing gave out, or start again without one.', {
        extensions: { errors: [{ parameter: 'cursor', detail: 'is not a cursor of this listing' }] },
      });
    }
    const page = events.page(limit, before);
    return { items: page.items, nextCursor: page.next === undefined ? null : encodeEventCursor(page.next) };
  });
}
