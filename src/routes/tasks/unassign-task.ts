import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { unassignTaskStatement, type UnassignOutcome } from '../../db/administration';
import { ApiError } from '../../errors';
import { clientOf } from '../client';
import { bearerSecurity, errorResponses } from '../schemas';
import { assignmentParamsSchema } from './assign-task';

export const unassignTaskRoute = createRoute({
  method: 'delete',
  path: '/v1/tasks/{id}/assignments/{userId}',
  summary: 'Take a task away from a contributor (admins)',
  description:
    'Upload URLs already handed out stay valid until they expire (at most 15 minutes). Written to the access log (`task.unassign`).',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: assignmentParamsSchema },
  responses: {
    204: { description: 'Unassigned' },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export const unassignTaskHandler: RouteHandler<typeof unassignTaskRoute, AppEnv> = async (c) => {
  const { id, userId } = c.req.valid('param');
  const {
    rows: [[result]],
  } = await asPrincipalInOneFlight(c, ['admin'], [unassignTaskStatement(id, userId, clientOf(c))]);
  const outcome = (result as { outcome: UnassignOutcome }).outcome;
  if (outcome === 'forbidden') throw new ApiError('forbidden', 'not allowed for this account');
  if (outcome === 'none') throw new ApiError('not_found', 'no such assignment');
  return c.body(null, 204);
};
