import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipal, everyRole } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { listAllTasks, listSubmittableTasks } from '../../db/tasks';
import { ApiError } from '../../errors';
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
  const tasks = await asPrincipal(c, everyRole, (tx, principal) => {
    if (scope === 'assigned') return listSubmittableTasks(tx);
    if (principal.role !== 'admin') throw new ApiError('forbidden', 'not allowed for this account');
    return listAllTasks(tx);
  });
  return c.json({ tasks }, 200);
};
