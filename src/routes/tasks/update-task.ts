import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { type TaskChangeOutcome, updateTaskStatement } from '../../db/administration';
import { firstTask, taskStatement } from '../../db/tasks';
import { sql } from '../../db/sql-text';
import { ApiError } from '../../errors';
import { clientOf } from '../client';
import { bearerSecurity, errorResponses } from '../schemas';
import {
  allowedContentTypesSchema,
  maxBytesSchema,
  taskDescriptionSchema,
  taskParamsSchema,
  taskSchema,
  taskTitleSchema,
} from './task-schema';

const changeBody = z
  .strictObject({
    title: taskTitleSchema.optional(),
    description: taskDescriptionSchema.optional(),
    allowedContentTypes: allowedContentTypesSchema.optional(),
    maxBytes: maxBytesSchema.optional(),
    status: z
      .enum(['open', 'closed'])
      .optional()
      .openapi({ description: '`closed` stops new uploads; uploads already opened may still complete' }),
  })
  .refine((change) => Object.keys(change).length > 0, 'name at least one field to change')
  .openapi('UpdateTaskRequest');

export const updateTaskRoute = createRoute({
  method: 'patch',
  path: '/v1/tasks/{id}',
  summary: "Change a task's title, description, allowed types, maximum size or status (admins)",
  description:
    'Fields left out stay as they are. A change is written to the access log (`task.update`) with what it was and what it became.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: {
    params: taskParamsSchema,
    body: { required: true, content: { 'application/json': { schema: changeBody } } },
  },
  responses: {
    200: {
      description: 'The task as it is now',
      content: { 'application/json': { schema: z.object({ task: taskSchema }) } },
    },
    ...errorResponses(400, 401, 403, 404, 413, 415, 503),
  },
});

export const updateTaskHandler: RouteHandler<typeof updateTaskRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const change = c.req.valid('json');
  const {
    rows: [[result], after],
  } = await asPrincipalInOneFlight(
    c,
    ['admin'],
    [updateTaskStatement(id, change, clientOf(c)), taskStatement(sql`${id}`)],
  );
  const outcome = (result as { outcome: TaskChangeOutcome }).outcome;
  if (outcome === 'not_found') throw new ApiError('not_found', 'task not found');
  if (outcome === 'forbidden') throw new ApiError('forbidden', 'not allowed for this account');
  const task = firstTask(after)!;
  return c.json({ task }, 200);
};
