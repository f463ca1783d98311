import type { HttpApp } from '@mercato/kit';
import { HttpProblem } from '@mercato/kit';
import { Type } from 'typebox';
import { productSvg } from '../domain/product-art.ts';
import { CatalogProblems } from '../errors.ts';
import { sendWithEtag } from '../http-cache.ts';
import type { CatalogStore } from '../store.ts';

const PictureParams = Type.Object(
  { file: Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*\\.svg$', maxLength: 104 }) },
  { additionalProperties: false },
);
const NoQuery = Type.Object({}, { additionalProperties: false });

/**
 * A day: a picture shows the product's name, so a rename shows in images within a day; until then the
 * ETag makes a revalidation a 304. Storefront pages of 20 products then cost no image requests at all.
 */
const PICTURE_CACHE = 'public, max-age=86400';
/** The picture is a document of its own when opened directly: it may style itself and nothing else. */
const PICTURE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

export function mediaRoutes(app: HttpApp, deps: { store: CatalogStore }): void {
  /** A listed product's generated picture (the demo store's images point here); 404 for an unknown or archived slug. */
  app.get('/media/products/:file', { schema: { params: PictureParams, querystring: NoQuery } }, async (request, reply) => {
    const { file } = request.params;
    const slug = file.slice(0, -'.svg'.length);
    const row = await deps.store.productBySlug(slug);
    if (!row) throw new HttpProblem(CatalogProblems.productNotFound, `No product ${slug}.`);
    const color = typeof row.attributes.color === 'string' ? row.attributes.color : undefined;
    const svg = productSvg({ slug: row.slug, name: row.name, category: row.category, color });
    reply.header('content-security-policy', PICTURE_CSP);
    return sendWithEtag(request, reply, svg, 'image/svg+xml; charset=utf-8', PICTURE_CACHE);
  });
}
