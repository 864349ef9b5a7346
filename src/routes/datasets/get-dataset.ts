import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { datasetShardsStatement, listDatasetsStatement, toDatasetWithShards } from '../../db/datasets';
import { ApiError } from '../../errors';
import { bearerSecurity, errorResponses } from '../schemas';
import { datasetParamsSchema, datasetWithShardsSchema } from './dataset-schema';

export const getDatasetRoute = createRoute({
  method: 'get',
  path: '/v1/datasets/{id}',
  summary: 'One dataset, with its shards and build progress',
  description:
    'Admins may read any dataset, company users those granted to their company; any other is 404, so its existence is not revealed.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: datasetParamsSchema },
  responses: {
    200: { description: 'The dataset', content: { 'application/json': { schema: datasetWithShardsSchema } } },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export const getDatasetHandler: RouteHandler<typeof getDatasetRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  // The dataset and its shards on one snapshot, in one round trip; RLS hides both alike.
  const {
    rows: [datasetRows, shardRows],
  } = await asPrincipalInOneFlight(
    c,
    ['admin', 'company'],
    [listDatasetsStatement({ limit: 1, id }), datasetShardsStatement(id)],
  );
  const dataset = toDatasetWithShards(datasetRows, shardRows);
  if (!dataset) throw new ApiError('not_found', 'dataset not found');
  return c.json(dataset, 200);
};
