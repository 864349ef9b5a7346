import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipal, everyRole } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { listSubmittableTasks } from '../../db/tasks';
import { bearerSecurity, errorResponses } from '../schemas';

const taskSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    status: z.enum(['open', 'closed']),
    allowedContentTypes: z.array(z.string()).openapi({ example: ['audio/*', 'application/octet-stream'] }),
    maxBytes: z.number().int(),
    createdAt: z.string(),
  })
  .openapi('Task');

export const listTasks = createRoute({
  method: 'get',
  path: '/v1/tasks',
  summary: 'Open tasks the caller may submit to',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  responses: {
    200: { description: 'Tasks', content: { 'application/json': { schema: z.object({ tasks: z.array(taskSchema) }) } } },
    ...errorResponses(401, 403, 503),
  },
});

export const listTasksHandler: RouteHandler<typeof listTasks, AppEnv> = async (c) => {
  const tasks = await asPrincipal(c, everyRole, (tx) => listSubmittableTasks(tx));
  return c.json({ tasks }, 200);
};
