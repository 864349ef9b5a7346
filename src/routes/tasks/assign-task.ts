import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { assignTaskStatement, type AssignOutcome } from '../../db/administration';
import { ApiError, type ErrorCode } from '../../errors';
import { clientOf } from '../client';
import { bearerSecurity, errorResponses, uuidPathParams } from '../schemas';

export const assignmentParamsSchema = uuidPathParams('id', 'userId');

const assignmentSchema = z.object({ taskId: z.uuid(), userId: z.uuid() }).openapi('TaskAssignment');

export const assignTaskRoute = createRoute({
  method: 'put',
  path: '/v1/tasks/{id}/assignments/{userId}',
  summary: 'Assign a task to a contributor (admins)',
  description: 'Idempotent: 201 for a new assignment (written to the access log, `task.assign`), 200 when it existed.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: assignmentParamsSchema },
  responses: {
    201: { description: 'Assigned', content: { 'application/json': { schema: assignmentSchema } } },
    200: { description: 'Already assigned', content: { 'application/json': { schema: assignmentSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

const refusals: Partial<Record<AssignOutcome, [ErrorCode, string]>> = {
  forbidden: ['forbidden', 'not allowed for this account'],
  no_task: ['not_found', 'task not found'],
  no_user: ['not_found', 'user not found'],
  deleted: ['conflict', 'this account was deleted'],
  not_contributor: ['conflict', 'only contributors are assigned tasks'],
};

export const assignTaskHandler: RouteHandler<typeof assignTaskRoute, AppEnv> = async (c) => {
  const { id, userId } = c.req.valid('param');
  const {
    rows: [[result]],
  } = await asPrincipalInOneFlight(c, ['admin'], [assignTaskStatement(id, userId, clientOf(c))]);
  const outcome = (result as { outcome: AssignOutcome }).outcome;
  const refusal = refusals[outcome];
  if (refusal) throw new ApiError(...refusal);
  return c.json({ taskId: id, userId }, outcome === 'created' ? 201 : 200);
};
