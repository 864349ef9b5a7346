import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { grantDatasetStatement, toGrantOutcome } from '../../db/datasets';
import { ApiError } from '../../errors';
import { bearerSecurity, errorResponses } from '../schemas';
import { datasetParamsSchema } from './dataset-schema';

const grantSchema = z.object({ datasetId: z.uuid(), companyId: z.uuid() }).openapi('DatasetGrant');

export const grantDatasetRoute = createRoute({
  method: 'post',
  path: '/v1/datasets/{id}/grants',
  summary: 'Grant a dataset to a company (admins)',
  description: 'Idempotent: 201 for a new grant, 200 when the company already had it.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: {
    params: datasetParamsSchema,
    body: {
      required: true,
      content: {
        'application/json': { schema: z.strictObject({ companyId: z.uuid() }).openapi('CreateDatasetGrantRequest') },
      },
    },
  },
  responses: {
    201: { description: 'Granted', content: { 'application/json': { schema: grantSchema } } },
    200: { description: 'Already granted', content: { 'application/json': { schema: grantSchema } } },
    ...errorResponses(400, 401, 403, 404, 413, 415, 503),
  },
});

export const grantDatasetHandler: RouteHandler<typeof grantDatasetRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { companyId } = c.req.valid('json');
  const {
    rows: [granted],
  } = await asPrincipalInOneFlight(c, ['admin'], [grantDatasetStatement(id, companyId)]);
  const outcome = toGrantOutcome(granted);
  // The role check that opened the transaction has made sure of the role; the function checks again.
  if (outcome === 'forbidden') throw new ApiError('forbidden', 'not allowed for this account');
  if (outcome === 'dataset_not_found') throw new ApiError('not_found', 'dataset not found');
  if (outcome === 'company_not_found') throw new ApiError('not_found', 'company not found');
  return c.json({ datasetId: id, companyId }, outcome === 'created' ? 201 : 200);
};
