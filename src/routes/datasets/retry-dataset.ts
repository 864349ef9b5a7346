import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInFlights } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { retryDatasetStatement, toRetriedDataset } from '../../db/datasets';
import { ApiError } from '../../errors';
import { bearerSecurity, errorResponses } from '../schemas';
import { datasetParamsSchema } from './dataset-schema';

export const retryDatasetRoute = createRoute({
  method: 'post',
  path: '/v1/datasets/{id}/retry',
  summary: 'Build a failed dataset again: only its failed shards (admins)',
  description:
    'Answers 202 with the shards queued again; the shards that are ready stay as they are. 409 when the dataset has not failed.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: datasetParamsSchema },
  responses: {
    202: {
      description: 'The dataset, building again',
      content: {
        'application/json': {
          schema: z
            .object({
              id: z.uuid(),
              status: z.literal('building'),
              shards: z.array(z.number().int()).openapi({ description: 'Shards queued again; empty when re-cut' }),
            })
            .openapi('DatasetRetried'),
        },
      },
    },
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

export const retryDatasetHandler: RouteHandler<typeof retryDatasetRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  // Two round trips of one transaction, as POST /v1/datasets: the retry, the queue send, COMMIT.
  const shards = await asPrincipalInFlights(c, ['admin'], [retryDatasetStatement(id)], async (_principal, [rows]) => {
    const retried = toRetriedDataset(rows!);
    if (retried.kind === 'not_found') throw new ApiError('not_found', 'dataset not found');
    if (retried.kind === 'not_failed') throw new ApiError('conflict', `dataset is ${retried.status}, not failed`);
    // Queued inside the transaction, as POST /v1/datasets does: if queuing fails nothing changes.
    // The dataset's message queues its building shards, or cuts it if it never was (src/datasets/cut.ts).
    await c.env.DATASET_BUILDS.send({ datasetId: id });
    return retried.shards ?? [];
  });
  return c.json({ id, status: 'building' as const, shards }, 202);
};
