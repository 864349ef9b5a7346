import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight, everyRole } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { allTasksStatement, submittableTasksStatement, toTasks } from '../../db/tasks';
import { bearerSecurity, errorResponses } from '../schemas';
import { taskSchema } from './task-schema';

const listQuery = z.strictObject({
  scope: z.enum(['assigned', 'all']).default('assigned').openapi({
    description: '`assigned`: open tasks assigned to the caller; `all`: every task, open or closed (admins)',
  }),
});

export const listTasksRoute = createRoute({
  method: 'get',
  path: '/v1/tasks',
  summary: 'Open tasks the caller may submit to, or every task (admins)',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { query: listQuery },
  responses: {
    200: {
      description: 'Tasks',
      content: { 'application/json': { schema: z.object({ tasks: z.array(taskSchema) }) } },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});

export const listTasksHandler: RouteHandler<typeof listTasksRoute, AppEnv> = async (c) => {
  const { scope } = c.req.valid('query');
  // Every task is for admins only: the role check travels with the query, one round trip.
  const { rows } = await asPrincipalInOneFlight(c, scope === 'assigned' ? everyRole : ['admin'], [
    scope === 'assigned' ? submittableTasksStatement : allTasksStatement,
  ]);
  return c.json({ tasks: toTasks(rows[0]!) }, 200);
};
