import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { createdTask, createTaskStatement } from '../../db/administration';
import { firstTask, taskStatement } from '../../db/tasks';
import { clientOf } from '../client';
import { bearerSecurity, errorResponses } from '../schemas';
import {
  allowedContentTypesSchema,
  maxBytesSchema,
  taskDescriptionSchema,
  taskSchema,
  taskTitleSchema,
} from './task-schema';

const createBody = z
  .strictObject({
    title: taskTitleSchema,
    description: taskDescriptionSchema.optional(),
    allowedContentTypes: allowedContentTypesSchema,
    maxBytes: maxBytesSchema,
  })
  .openapi('CreateTaskRequest');

export const createTaskRoute = createRoute({
  method: 'post',
  path: '/v1/tasks',
  summary: 'Create an open task (admins)',
  description:
    'Nobody is assigned yet (PUT /v1/tasks/{id}/assignments/{userId}). Written to the access log (`task.create`).',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: z.object({ task: taskSchema }) } } },
    ...errorResponses(400, 401, 403, 413, 415, 503),
  },
});

export const createTaskHandler: RouteHandler<typeof createTaskRoute, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  // The creation and the task as created in one round trip: the new id passes between the two
  // statements inside the transaction (createdTask).
  const {
    rows: [, created],
  } = await asPrincipalInOneFlight(
    c,
    ['admin'],
    [
      createTaskStatement({ ...body, description: body.description ?? null }, clientOf(c)),
      taskStatement(createdTask.value),
    ],
  );
  const task = firstTask(created);
  if (!task) throw new Error('gateway.admin_create_task refused an admin');
  return c.json({ task }, 201);
};
