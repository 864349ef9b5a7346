import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { listDatasetsStatement, toDatasets } from '../../db/datasets';
import { decodeCursor, encodeCursor, keysetPage } from '../paging';
import { bearerSecurity, errorResponses } from '../schemas';
import { datasetSchema } from './dataset-schema';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor from the previous page' }),
});

export const listDatasetsRoute = createRoute({
  method: 'get',
  path: '/v1/datasets',
  summary: 'Datasets, newest first',
  description: 'Admins see every dataset; company users only those granted to their company.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { query: listQuery },
  responses: {
    200: {
      description: 'A page of datasets',
      content: {
        'application/json': {
          schema: z.object({ datasets: z.array(datasetSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});

export const listDatasetsHandler: RouteHandler<typeof listDatasetsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  // RLS (datasets: admins, or companies granted) decides which rows come back.
  const {
    rows: [listed],
  } = await asPrincipalInOneFlight(
    c,
    ['admin', 'company'],
    [listDatasetsStatement({ limit: query.limit + 1, before })],
  );
  const rows = toDatasets(listed);
  const { items, nextCursor } = keysetPage(rows, query.limit, (last) =>
    encodeCursor({ createdAt: last.createdAt, id: last.id }),
  );
  return c.json({ datasets: items, nextCursor }, 200);
};
