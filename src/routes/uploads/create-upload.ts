import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipal } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { insertPendingSubmission } from '../../db/submissions';
import { findTaskForUpload } from '../../db/tasks';
import { ApiError } from '../../errors';
import { presignUpload } from '../../sign/presign';
import { bearerSecurity, errorResponses, uuidSchema } from '../schemas';
import { contentTypeSchema, isContentTypeAllowed } from './content-type';

const createUploadBody = z
  .strictObject({
    taskId: uuidSchema,
    contentType: contentTypeSchema,
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ description: 'Exact size in bytes', example: 48213 }),
    // Kept as metadata only; object keys are built from ids, so this never becomes a path.
    filename: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
      .optional(),
  })
  .openapi('CreateUploadRequest');

const createUploadResponse = z
  .object({
    submissionId: z.uuid(),
    method: z.literal('PUT'),
    url: z.url(),
    headers: z.record(z.string(), z.string()).openapi({ description: 'Send exactly these headers with the PUT' }),
    expiresAt: z.string(),
  })
  .openapi('CreateUploadResponse');

export const createUpload = createRoute({
  method: 'post',
  path: '/v1/uploads',
  summary: 'Open a submission and get a presigned PUT for its object',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createUploadBody } } } },
  responses: {
    201: { description: 'Upload URL', content: { 'application/json': { schema: createUploadResponse } } },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

export const createUploadHandler: RouteHandler<typeof createUpload, AppEnv> = async (c) => {
  const input = c.req.valid('json');
  const { config } = c.var;
  const submission = await asPrincipal(c, ['contributor'], async (tx) => {
    const task = await findTaskForUpload(tx, input.taskId);
    // A task that is hidden or not assigned to the caller looks the same: it does not exist.
    if (!task || !task.assignedToCaller) throw new ApiError('not_found', 'task not found');
    if (task.status !== 'open') throw new ApiError('conflict', 'task is closed');
    if (!isContentTypeAllowed(task.allowedContentTypes, input.contentType)) {
      throw new ApiError('invalid_request', 'content type not allowed for this task');
    }
    if (input.size > task.maxBytes) throw new ApiError('payload_too_large', 'size exceeds the task limit');
    return insertPendingSubmission(tx, {
      taskId: task.id,
      contentType: input.contentType,
      declaredSize: input.size,
      originalFilename: input.filename ?? null,
    });
  });
  const signed = await presignUpload(config.s3, {
    bucket: config.buckets.raw,
    key: submission.objectKey,
    contentType: submission.contentType,
    contentLength: submission.declaredSize,
    expiresInSeconds: config.uploadUrlTtlSeconds,
  });
  return c.json(
    {
      submissionId: submission.id,
      method: 'PUT' as const,
      url: signed.url,
      headers: { 'Content-Type': submission.contentType, 'Content-Length': String(submission.declaredSize) },
      expiresAt: signed.expiresAt.toISOString(),
    },
    201,
  );
};
