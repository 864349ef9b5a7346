import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { revokeDatasetGrantStatement } from '../../db/datasets';
import { ApiError } from '../../errors';
import { bearerSecurity, errorResponses, uuidPathParams } from '../schemas';

export const revokeDatasetGrantRoute = createRoute({
  method: 'delete',
  path: '/v1/datasets/{id}/grants/{companyId}',
  summary: "Revoke a company's grant (admins)",
  description: 'URLs already handed out stay valid until they expire (at most 15 minutes).',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: {
    params: uuidPathParams('id', 'companyId'),
  },
  responses: {
    204: { description: 'Revoked' },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export const revokeDatasetGrantHandler: RouteHandler<typeof revokeDatasetGrantRoute, AppEnv> = async (c) => {
  const { id, companyId } = c.req.valid('param');
  const {
    rows: [revoked],
  } = await asPrincipalInOneFlight(c, ['admin'], [revokeDatasetGrantStatement(id, companyId)]);
  if (revoked.length === 0) throw new ApiError('not_found', 'no such grant');
  return c.body(null, 204);
};
