import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { assigneesStatement, firstTask, taskStatement } from '../../db/tasks';
import { sql } from '../../db/sql-text';
import { ApiError } from '../../errors';
import { bearerSecurity, errorResponses } from '../schemas';
import { taskParamsSchema } from './task-schema';

export const listTaskAssignmentsRoute = createRoute({
  method: 'get',
  path: '/v1/tasks/{id}/assignments',
  summary: 'Users assigned to a task (admins)',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: taskParamsSchema },
  responses: {
    200: {
      description: 'Assignees',
      content: { 'application/json': { schema: z.object({ userIds: z.array(z.uuid()) }) } },
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export const listTaskAssignmentsHandler: RouteHandler<typeof listTaskAssignmentsRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const {
    rows: [task, assignees],
  } = await asPrincipalInOneFlight(c, ['admin'], [taskStatement(sql`${id}`), assigneesStatement(id)]);
  if (!firstTask(task)) throw new ApiError('not_found', 'task not found');
  const userIds = assignees!.map((row) => row.user_id as string);
  return c.json({ userIds }, 200);
};
