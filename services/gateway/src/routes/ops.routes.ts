import { CommonProblems, type Discovery, type HttpApp, HttpProblem, SERVICE_NAMES, type ServiceTokens } from '@mercato/kit';
import { Type } from 'typebox';
import type { Dispatcher } from 'undici';
import { OpsClient } from '../ops-client.ts';
import type { OpsMetrics } from '../ops-metrics.ts';

const DeadLetterParams = Type.Object(
  {
    service: Type.Union(SERVICE_NAMES.map((name) => Type.Literal(name))),
    id: Type.String({ pattern: '^[0-9]{1,18}$' }),
  },
  { additionalProperties: false },
);
const DeadLetterQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), cursor: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

interface ServiceDeadLetter {
  id: string;
  consumer: string;
  type: string | null;
  reason: string;
  attempts: number;
  failedAt: string;
  envelope?: { subject?: string };
}

/**
 * The operators' view through the gateway (API.md "Health and operations"), admin only: the live
 * instances from discovery, and every service's dead letters gathered with the `gateway-ops` credential.
 */
export function opsRoutes(
  app: HttpApp,
  discovery: Discovery,
  opsTokens: ServiceTokens | undefined,
  metrics: OpsMetrics,
  dispatcher?: Dispatcher | undefined,
): void {
  const admin = { config: { access: 'admin' as const } };

  const ops = new OpsClient(discovery, opsTokens, app.log, dispatcher);
  const opsCall = (service: string, method: 'GET' | 'POST', path: string) => ops.call(service, method, path);

  app.get('/api/ops/services', admin, async () => ({
    services: SERVICE_NAMES.map((name) => ({
      name,
      instances: discovery.instances(name).map(({ id, url, status, startedAt }) => ({ id, url, status, startedAt })),
    })),
  }));

  app.get('/api/ops/metrics', admin, async () => metrics.snapshot());

  app.get('/api/ops/dead-letters', { ...admin, schema: { querystring: DeadLetterQuery } }, async (request) => {
    const { limit } = request.query;
    const perService = await Promise.all(
      SERVICE_NAMES.map(async (service) => {
        const answer = await opsCall(service, 'GET', `/internal/dead-letters?limit=${limit}`);
        const items = (answer.body as { items?: ServiceDeadLetter[] } | undefined)?.items;
        return answer.status === 200 && Array.isArray(items) ? items.map((item) => ({ service, ...item })) : [];
      }),
    );
    const items = perService
      .flat()
      .sort((a, b) => String(b.failedAt).localeCompare(String(a.failedAt)))
      .slice(0, limit)
      .map((letter) => ({
        service: letter.service,
        id: letter.id,
        type: letter.type,
        subject: letter.envelope?.subject ?? null,
        reason: letter.reason,
        attempts: letter.attempts,
        failedAt: letter.failedAt,
      }));
    return { items, nextCursor: null };
  });

  app.post('/api/ops/dead-letters/:service/:id/replay', { ...admin, schema: { params: DeadLetterParams } }, async (request, reply) => {
    const { service, id } = request.params;
    const answer = await opsCall(service, 'POST', `/internal/dead-letters/${id}/replay`);
    if (answer.status === 404) throw new HttpProblem(CommonProblems.notFound, `${service} has no open dead letter ${id}.`);
    if (answer.status === 409) {
      const detail = (answer.body as { detail?: string } | undefined)?.detail ?? 'The replay failed again.';
      throw new HttpProblem(CommonProblems.conflict, detail);
    }
    if (answer.status !== 200) {
      throw new HttpProblem(
        CommonProblems.serviceUnavailable,
        `${service} could not replay the dead letter right now; try again shortly.`,
        {
          headers: { 'retry-after': '1' },
        },
      );
    }
    return reply.code(202).send({ service, id, ...(answer.body as object) });
  });
}
