import { CommonProblems, type HttpApp, HttpProblem, requireUser } from '@mercato/kit';
import { Type } from 'typebox';
import { forProduct, forShopper } from '../domain/recommend.ts';
import type { RecommendationsMetrics } from '../recommendations-metrics.ts';
import type { Recommender } from '../recommender.ts';

/** API.md: 1–20, default 8. */
const Limit = Type.Integer({ minimum: 1, maximum: 20, default: 8 });
const ForProductQuery = Type.Object(
  { productId: Type.String({ minLength: 1, maxLength: 200 }), limit: Type.Optional(Limit) },
  { additionalProperties: false },
);
const ForMeQuery = Type.Object({ limit: Type.Optional(Limit) }, { additionalProperties: false });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** API.md "Recommendations and composition": answered from this instance's model in memory. */
export function recommendationsRoutes(app: HttpApp, recommender: Recommender, metrics: RecommendationsMetrics): void {
  app.get('/api/recommendations', { schema: { querystring: ForProductQuery } }, async (request) => {
    const { productId, limit = 8 } = request.query;
    const known = UUID.test(productId) && (await recommender.listed(productId.toLowerCase()));
    if (!known) throw new HttpProblem(CommonProblems.notFound, `No listed product ${productId}.`);
    const viewer = request.principal?.kind === 'user' ? request.principal.userId : undefined;
    const answer = forProduct(recommender.model, recommender.shelf, productId.toLowerCase(), limit, viewer);
    metrics.answered('product', answer.strategy);
    return answer;
  });

  // Authentication before validation (API.md): no user → 401 whatever the query.
  app.get('/api/recommendations/me', { config: { access: 'user' as const }, schema: { querystring: ForMeQuery } }, async (request) => {
    const { userId } = requireUser(request);
    const answer = forShopper(recommender.model, recommender.shelf, userId, request.query.limit ?? 8);
    metrics.answered('me', answer.strategy);
    return answer;
  });
}
