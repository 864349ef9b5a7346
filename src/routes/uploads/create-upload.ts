import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInFlights, asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import type { Row } from '../../db/client';
import {
  attachMultipartUploadStatement,
  firstSubmission,
  insertPendingSubmissionStatement,
  type Submission,
} from '../../db/submissions';
import { firstTaskForUpload, taskForUploadStatement } from '../../db/tasks';
import { ApiError } from '../../errors';
import { createMultipartUpload } from '../../s3/multipart';
import { presignUpload } from '../../sign/presign';
import { layOutParts, maximumMultipartObjectSize } from '../../uploads/part-layout';
import {
  bearerSecurity,
  contentTypeSchema,
  errorResponses,
  isWellFormed,
  uuidSchema,
  wellFormedMessage,
} from '../schemas';
import { isActiveContentType, isContentTypeAllowed } from '../../uploads/media-types';

const createUploadBody = z
  .strictObject({
    taskId: uuidSchema,
    contentType: contentTypeSchema,
    size: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .openapi({ description: 'Exact size in bytes', example: 48213 }),
    // Kept as metadata only; object keys are built from ids, so this never becomes a path. It is
    // shown to reviewers, so no bidirectional embedding, override or isolate either: they make a
    // name display as another (`invoice\u202Egpj.exe` shows as `invoiceexe.jpg`; Unicode UAX #9).
    // The constraint submissions_original_filename_text (supabase/migrations/) is these rules.
    filename: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters')
      .regex(/^[^\u202a-\u202e\u2066-\u2069]*$/, 'must not contain bidirectional formatting characters')
      .refine(isWellFormed, wellFormedMessage)
      .optional(),
  })
  .openapi('CreateUploadRequest');

const singleUploadResponse = z
  .object({
    submissionId: z.uuid(),
    method: z.literal('PUT'),
    url: z.url(),
    headers: z.record(z.string(), z.string()).openapi({ description: 'Send exactly these headers with the PUT' }),
    expiresAt: z.string(),
  })
  .openapi('SingleUpload');

const multipartUploadResponse = z
  .object({
    submissionId: z.uuid(),
    method: z.literal('MULTIPART'),
    uploadId: z.string(),
    partSize: z.number().int().openapi({ description: 'Bytes in every part but the last' }),
    partCount: z.number().int(),
    expiresAt: z.string().openapi({
      description:
        'Part URLs are signed on demand (POST /v1/uploads/{id}/parts); the upload itself stays open until completed or aborted',
    }),
  })
  .openapi('MultipartUpload');

const createUploadResponse = z.union([singleUploadResponse, multipartUploadResponse]).openapi('CreateUploadResponse');

export const createUploadRoute = createRoute({
  method: 'post',
  path: '/v1/uploads',
  summary: 'Open a submission and get a presigned PUT, or a multipart upload above the threshold',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createUploadBody } } } },
  responses: {
    201: { description: 'Upload URL', content: { 'application/json': { schema: createUploadResponse } } },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 502, 503, 504),
  },
});

export const createUploadHandler: RouteHandler<typeof createUploadRoute, AppEnv> = async (c) => {
  const input = c.req.valid('json');
  const { config } = c.var;
  const multipart = input.size > config.multipartThresholdBytes;
  if (input.size > maximumMultipartObjectSize)
    throw new ApiError('payload_too_large', 'size exceeds what object storage accepts');
  // A declared type is one type: a media range such as `image/*` would match the pattern itself.
  const typeAcceptable = !input.contentType.includes('*') && !isActiveContentType(input.contentType);
  // The task and the insert leave together: the insert happens only where every check holds,
  // decided in SQL on the same snapshot; the task row then says which check refused.
  const opening = [
    taskForUploadStatement(input.taskId),
    insertPendingSubmissionStatement({
      taskId: input.taskId,
      contentType: input.contentType,
      declaredSize: input.size,
      originalFilename: input.filename ?? null,
      acceptable: typeAcceptable,
    }),
  ] as const;
  const submission = multipart
    ? // Two round trips of one transaction: S3 names the upload only once the insert has given
      // the submission its id (the object key), and the submission commits only with its upload:
      // if S3 refuses or the database is lost, no submission is left behind (an S3 upload whose
      // record was lost is removed by the bucket's AbortIncompleteMultipartUpload rule).
      await asPrincipalInFlights(c, ['contributor'], opening, async (_principal, [taskRows, inserted], flight) => {
        const opened = openedOrRefused(taskRows!, inserted!, input, typeAcceptable);
        const { objectStore } = c.var;
        const uploadId = await createMultipartUpload(
          objectStore,
          config.buckets.raw,
          opened.objectKey,
          opened.contentType,
        );
        const [attached] = await flight(
          [attachMultipartUploadStatement(opened.id, { uploadId, partSize: layOutParts(input.size).partSize })],
          { commit: true },
        );
        return firstSubmission(attached)!;
      })
    : await (async () => {
        const {
          rows: [taskRows, inserted],
        } = await asPrincipalInOneFlight(c, ['contributor'], opening);
        return openedOrRefused(taskRows, inserted, input, typeAcceptable);
      })();

  if (submission.multipart) {
    const layout = layOutParts(submission.declaredSize);
    return c.json(
      {
        submissionId: submission.id,
        method: 'MULTIPART' as const,
        uploadId: submission.multipart.uploadId,
        partSize: layout.partSize,
        partCount: layout.partCount,
        expiresAt: new Date(Date.now() + config.uploadUrlTtlSeconds * 1000).toISOString(),
      },
      201,
    );
  }
  // The staging key, never the final one: `complete` copies what was verified out of reach of
  // this URL, which stays valid for its whole lifetime.
  const signed = await presignUpload(c.var.objectStore, {
    bucket: config.buckets.raw,
    key: submission.stagingKey,
    contentType: submission.contentType,
    contentLength: submission.declaredSize,
    expiresInSeconds: config.uploadUrlTtlSeconds,
  });
  return c.json(
    {
      submissionId: submission.id,
      method: 'PUT' as const,
      url: signed.url,
      headers: signed.headers,
      expiresAt: signed.expiresAt.toISOString(),
    },
    201,
  );
};

/** The submission the insert opened, or the 4xx that says which check refused it, from the task row. */
function openedOrRefused(
  taskRows: readonly Row[],
  inserted: readonly Row[],
  input: { contentType: string; size: number },
  typeAcceptable: boolean,
): Submission {
  const opened = firstSubmission(inserted);
  if (opened) return opened;
  const task = firstTaskForUpload(taskRows);
  // A task that is hidden or not assigned to the caller looks the same: it does not exist.
  if (!task?.assignedToCaller) throw new ApiError('not_found', 'task not found');
  if (task.status !== 'open') throw new ApiError('conflict', 'task is closed');
  if (!typeAcceptable || !isContentTypeAllowed(task.allowedContentTypes, input.contentType))
    throw new ApiError('invalid_request', 'content type not allowed for this task');
  if (input.size > task.maxBytes) throw new ApiError('payload_too_large', 'size exceeds the task limit');
  throw new ApiError('conflict', 'the task changed while the upload was opened; try again');
}

export type CreateUploadRequest = z.input<typeof createUploadBody>;
export type CreateUploadResponse = z.infer<typeof createUploadResponse>;
